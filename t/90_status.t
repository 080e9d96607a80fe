# The status page (SetHandler negotiate-status) at the end of the suite:
# its figures move with one more Kerberos logon and one more challenge,
# it holds no password or token, Require protects it, and the page as the
# suite left it is kept in t/logs/negotiate-status-after-suite.txt.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 10;

sub figures {
    my $res = curl('/negotiate-status?auto');
    my %f = map { /^([^:]+): (.*)$/ ? ($1 => $2) : () } split /\n/, $res->{body};
    return ($res, \%f);
}

my ($res, $before) = figures();
ok t_cmp($res->{status}, 200, '?auto: 200');
if (open(my $out, '>', t_dir() . '/logs/negotiate-status-after-suite.txt')) {
    print $out $res->{body};
    close $out;
}
my $alice = kinit_user('alice');
ok t_cmp(curl('/krb/whoami', ccache => $alice)->{status}, 200, 'a Kerberos logon');
ok t_cmp(curl('/krb/whoami')->{status}, 401, 'a request without credentials');
my ($res2, $after) = figures();
ok t_cmp($after->{LogonsKerberosGranted} - ($before->{LogonsKerberosGranted} // 0), 1,
         'LogonsKerberosGranted: one more');
# curl --negotiate asks without credentials first: one or two more
t_debug('Challenges: more');
ok(($after->{Challenges} // 0) - ($before->{Challenges} // 0) >= 1);
ok t_cmp($after->{KerberosAcceptSecondsCount} - ($before->{KerberosAcceptSecondsCount} // 0), 1,
         'one more Kerberos accept timed');
ok $res2->{body} !~ /Passw0rd|Negotiate [A-Za-z0-9+\/]{20}|YII|TlRMTVNT/;

my $prom = curl('/negotiate-status?prometheus');
ok t_cmp($prom->{body}, qr/^negotiate_logons_total\{mechanism="kerberos",outcome="granted"\} [1-9]/m,
         'Prometheus: the Kerberos logons');
my $html = curl('/negotiate-status');
ok t_cmp($html->{body}, qr{<h1>mod_auth_negotiate status</h1>}, 'the HTML page');
ok t_cmp(curl('/negotiate-status-denied?auto')->{status}, 403,
         'a status location under Require ip of another address: 403');
