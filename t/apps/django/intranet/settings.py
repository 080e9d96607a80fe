"""A minimal Django project behind mod_auth_negotiate (mod_wsgi, see
conf/app-django-wsgi.conf): Apache authenticates, Django trusts REMOTE_USER.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# A real deployment reads its own secret; this one only serves the tests.
SECRET_KEY = os.environ.get('INTRANET_SECRET_KEY', 'mod_auth_negotiate-test-only')
DEBUG = False
ALLOWED_HOSTS = ['localhost', '127.0.0.1', 'www.example.test']

INSTALLED_APPS = [
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
]

MIDDLEWARE = [
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    # REMOTE_USER from Apache (mod_auth_negotiate) logs the user in.
    'django.contrib.auth.middleware.RemoteUserMiddleware',
]

AUTHENTICATION_BACKENDS = [
    # RemoteUserBackend that also mirrors the user's AD groups (what the
    # module publishes in NEGOTIATE_GROUPS) into Django groups.
    'intranet.backends.NegotiateRemoteUserBackend',
]

# AD group (as in NEGOTIATE_GROUPS, NegotiatePublishGroups On) -> Django
# group. Only these are mirrored; a user loses a mapped Django group when
# the directory no longer lists it at the next logon.
NEGOTIATE_GROUP_MAP = {
    'EXAMPLE\\WebAdmins': 'webadmins',
}

ROOT_URLCONF = 'intranet.urls'
WSGI_APPLICATION = 'intranet.wsgi.application'

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.sqlite3',
        'NAME': BASE_DIR / 'db.sqlite3',
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
USE_TZ = True
