# Kerberos errors go back to the client (issue 15 item 2): a client whose
# clock is 700 s ahead (libfaketime) gets Heimdal's KRB-ERROR
# (KRB_AP_ERR_SKEW) in the 401's Negotiate token, in its own framing, as
# IIS sends it (MS-KILE 3.4.5.4). What the initiators do with it, measured:
# see the assertions (MIT reports the skew and stops; Heimdal retries with
# the server's time).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

my $lib = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
plan tests => 21, need { 'libfaketime (scripts/deps.sh)' => -r $lib };

my $t = t_dir();
my $alice = kinit_user('alice');
my $tool = krb5_token_tool();
my $clock = "$t/tmp/skew.clock.$$";

sub skewed {
    my (%o) = @_;
    # a fresh copy of the ccache: the clients keep service tickets and
    # Heimdal a time offset in it
    my $cc = "$t/tmp/skew.$$.$o{impl}.$o{mech}.cc";
    # libfaketime reads the file from the start: it must exist
    open(my $f, '>', $clock) or die "$clock: $!";
    print $f "+0\n";
    close $f;
    system('cp', $alice, $cc) == 0 or die "cp: $?";
    local $ENV{KRB5CCNAME} = "FILE:$cc";
    local $ENV{LD_PRELOAD} = $lib;
    local $ENV{FAKETIME_TIMESTAMP_FILE} = $clock;
    local $ENV{FAKETIME_NO_CACHE} = 1;
    my $r = NegTest::run_client('/usr/bin/python3', "$t/client/skew_client.py", '--port', port(),
                                '--path', $o{path} // '/krb/whoami', '--impl', $o{impl},
                                '--mech', $o{mech}, '--tool', $tool);
    unlink $cc, $clock;
    return $r;
}

ok t_cmp($tool ne '' ? 1 : 0, 1, 't/client/krb5_token built');

# MIT (python3-gssapi), SPNEGO and raw krb5
my $mark = log_mark();
my $r = skewed(impl => 'mit', mech => 'spnego');
ok t_cmp($r->{status1}, 401, 'MIT, SPNEGO, clock 700 s ahead: 401');
ok t_cmp($r->{reply1}, 'spnego/accept-incomplete/krb5', 'a NegTokenResp naming krb5');
ok t_cmp($r->{krb_error}, 37, 'carrying a KRB-ERROR KRB_AP_ERR_SKEW (37)');
ok t_cmp($r->{client}, qr/^error:.*Clock skew too great/i, 'MIT reports the clock skew and stops (no retry)');
ok t_cmp(log_since($mark), qr/NEG0203: Kerberos authentication failed: refused a Kerberos ticket for HTTP\/localhost\@EXAMPLE\.TEST .*clocks differ by more than the allowed skew/,
         'the refusal is logged as before');
$r = skewed(impl => 'mit', mech => 'krb5');
ok t_cmp($r->{status1}, 401, 'MIT, raw krb5: 401');
ok t_cmp($r->{reply1}, 'raw', 'the raw KRB-ERROR token');
ok t_cmp($r->{krb_error}, 37, 'KRB_AP_ERR_SKEW');
ok t_cmp($r->{client}, qr/^error:.*Clock skew too great/i, 'MIT reports the clock skew');

# Heimdal (t/client/krb5_token --converse)
$mark = log_mark();
$r = skewed(impl => 'heimdal', mech => 'krb5');
ok t_cmp($r->{status1}, 401, 'Heimdal, raw krb5: 401');
ok t_cmp($r->{krb_error}, 37, 'KRB_AP_ERR_SKEW');
ok t_cmp($r->{client}, 'retry', 'Heimdal retries with the server time');
ok t_cmp($r->{status2}, 200, 'and signs in');
ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'as alice');
ok t_cmp($r->{client2}, 'complete', "the AP-REP completes Heimdal's context");
$r = skewed(impl => 'heimdal', mech => 'spnego');
ok t_cmp($r->{status1}, 401, 'Heimdal, SPNEGO: 401');
ok t_cmp($r->{reply1}, 'spnego/accept-incomplete/krb5', 'a NegTokenResp naming krb5');
ok t_cmp($r->{client}, 'retry', 'Heimdal retries in a NegTokenResp');
ok t_cmp($r->{status2}, 200, 'taken on the same connection: 200');
ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'as alice');
