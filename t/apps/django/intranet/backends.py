"""Django's RemoteUserBackend plus the groups mod_auth_negotiate publishes."""
from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.models import Group


class NegotiateRemoteUserBackend(RemoteUserBackend):
    """Creates or finds the user named by REMOTE_USER (the module gives the
    same name for Kerberos, NTLM and Basic, in the form NegotiateUserFormat
    says) and sets the Django groups of settings.NEGOTIATE_GROUP_MAP from
    NEGOTIATE_GROUPS ("EXAMPLE\\Domain Users;EXAMPLE\\WebAdmins")."""

    def authenticate(self, request, remote_user):
        user = super().authenticate(request, remote_user)
        if user is not None and request is not None:
            self.sync_groups(user, request.META.get('NEGOTIATE_GROUPS', ''))
        return user

    @staticmethod
    def sync_groups(user, published):
        mapping = getattr(settings, 'NEGOTIATE_GROUP_MAP', {})
        ad_groups = {g.lower() for g in published.split(';') if g}
        for ad_name, django_name in mapping.items():
            group, _ = Group.objects.get_or_create(name=django_name)
            if ad_name.lower() in ad_groups:
                user.groups.add(group)
            else:
                user.groups.remove(group)
