from django.urls import reverse
from tests.appeals.review.conftest import at, client_for
import re, html

def text(r):
    s = r.content.decode()
    s = re.sub(r"(?s)<head>.*?</head>", "", s)
    s = re.sub(r"<[^>]+>", " ", s)
    return re.sub(r"\s+", " ", html.unescape(s))

def test_dump(world):
    appeal = at(world, "assessed")
    c = client_for(world.reviewers[0])
    print("WORKSPACE:", text(c.get(reverse("review:workspace", args=[appeal.reference]), HTTP_ACCEPT_LANGUAGE="en")))
    c.post(reverse("review:reveal", args=[appeal.reference]))
    r = c.get("/en" + reverse("review:decide", args=[appeal.reference])[3:])
    print("DECIDE:", text(r))
    assert 0
