from django.urls import reverse
from tests.appeals.review.conftest import at, client_for, STEPS
import pytest

@pytest.mark.parametrize("step", STEPS)
def test_smoke(world, step):
    appeal = at(world, step)
    c = client_for(world.reviewers[0])
    for name in ("workspace", "decide", "assess", "hold", "recuse", "inadmissible"):
        r = c.get(reverse(f"review:{name}", args=[appeal.reference]))
        assert r.status_code in ((200, 302) if step != "waiting" else (404,)), (name, r.status_code, r.content.decode()[-3000:])
    s = client_for(world.supervisor)
    for name in ("workspace", "countersign", "assign"):
        r = s.get(reverse(f"review:{name}", args=[appeal.reference]))
        assert r.status_code in (200, 302, 404), (name, r.status_code)
    for name in ("team", "countersign-list"):
        r = s.get(reverse(f"review:{name}"))
        assert r.status_code == 200, r.content[:2000]
    for name in ("team", "mine"):
        r = c.get(reverse(f"review:{name}"))
        assert r.status_code == 200, r.content[:2000]
