from django.http import HttpRequest, HttpResponse


def dashboard(request: HttpRequest) -> HttpResponse:  # placeholder until the dashboard lands
    return HttpResponse("")
