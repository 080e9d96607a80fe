"""Two views: who the user is, and a page for one group only."""
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

SHOWN = ('REMOTE_USER', 'AUTH_TYPE', 'NEGOTIATE_MECH', 'NEGOTIATE_PRINCIPAL',
         'NEGOTIATE_DOMAIN', 'NEGOTIATE_USER_SID', 'NEGOTIATE_GROUPS')


def report(request):
    user = request.user
    lines = ['%s=%s' % (k, request.META.get(k, '')) for k in SHOWN]
    lines += [
        'DJANGO_AUTHENTICATED=%d' % user.is_authenticated,
        'DJANGO_USERNAME=%s' % (user.get_username() if user.is_authenticated else ''),
        'DJANGO_USER_ID=%s' % (user.pk if user.is_authenticated else ''),
        'DJANGO_GROUPS=%s' % (';'.join(sorted(g.name for g in user.groups.all()))
                              if user.is_authenticated else ''),
    ]
    return HttpResponse('\n'.join(lines) + '\n', content_type='text/plain; charset=utf-8')


def whoami(request):
    return report(request)


def admins(request):
    if not request.user.is_authenticated or not request.user.groups.filter(name='webadmins').exists():
        raise PermissionDenied
    return report(request)
