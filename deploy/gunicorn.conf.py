"""gunicorn for the portal: sync workers (the views are short and database-bound), two per core by default.

Every value can be set from the environment; TLS is terminated in front (deploy/Caddyfile), so gunicorn
listens on plain HTTP and trusts X-Forwarded-* only from FORWARDED_ALLOW_IPS (the proxy's address).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # the longest request: a PDF on a cold cache
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))  # bounds slow leaks (WeasyPrint, caches)
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The access log never shows query strings (they may carry a reference a citizen typed), only the path.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
