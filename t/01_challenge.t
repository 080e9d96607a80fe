# An anonymous request gets 401 with one WWW-Authenticate per provider, in
# the order NegotiateProviders lists them.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

my @cases = (
    ['/krb/whoami',       ['Negotiate', 'NTLM'], 'default: Negotiate NTLM'],
    ['/negonly/whoami',   ['Negotiate'],         'Negotiate'],
    ['/ntlmfirst/whoami', ['NTLM', 'Negotiate'], 'NTLM Negotiate'],
    ['/ntlmonly/whoami',  ['NTLM'],              'NTLM'],
    ['/kerbonly/whoami',  ['Negotiate'],         'Negotiate:Kerberos'],
);

plan tests => 3 * @cases + 2;

for my $c (@cases) {
    my ($path, $want, $name) = @$c;
    my $res = curl($path);
    ok t_cmp($res->{status}, 401, "$name: anonymous request gets 401");
    ok t_cmp(join(',', www_auth($res)), join(',', @$want), "$name: challenge headers in order");
    ok $res->{body} !~ /REMOTE_USER=/;
}

my $res = curl('/static.txt');
ok t_cmp($res->{status}, 200, 'an unprotected page is served');
ok t_cmp(scalar(www_auth($res)), 0, 'and carries no challenge');
