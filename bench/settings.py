"""Settings for the benchmark only: the app's own, plus

* ``bench.urls``: the app's URLs and ``bench/bare/``, a view running one
  trivial query, the yardstick every page's throughput is compared with (it is
  never part of the app, so the access matrix knows nothing of it);
* a middleware, outermost, that counts the SQL queries of each request
  (session and user lookups included) into an ``X-Query-Count`` header;
* a fast password hasher first: the generated accounts' hashes are upgraded to
  it at their first login, so logging the load tool's users in costs nothing.
"""

from clinic.settings import *  # noqa: F403
from clinic.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
