from django.http import HttpRequest, HttpResponse


def my_access_log(request: HttpRequest) -> HttpResponse:  # placeholder until access transparency lands
    return HttpResponse("")
