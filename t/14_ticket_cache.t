# The cache of verified Kerberos tickets (NegotiateTicketCache, on by
# default; src/krb5/krb5_fastpath.c "ticket cache", doc/security.md "The ticket cache").
#
# A ticket is cached per httpd child, so every scenario runs on one
# connection (craft.py steps, or gss_client.py --repeat): the same child
# sees all its requests. The status page's TicketCacheHits / Misses /
# Declined counters say which path each request took; the first request of
# a connection may go to a child that has the ticket already (a hit) or
# not (a miss): first_either() allows both for it alone.
#
# Tokens: Heimdal's initiator (t/client/krb5_token --from-cache: genuine
# tokens with the ticket in the ccache), MIT's (python3-gssapi), and
# krb5_token --forge (an authenticator built with the ticket's session key,
# for what no real initiator sends: an expired ticket, another client's
# name). t/client/apreq_edit.py alters a ticket or swaps authenticators.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestUtil;
use MIME::Base64;
use Time::HiRes qw(time sleep);
use NegTest;

plan tests => 45, need { 'krb5_token (t/client/krb5_token.c)' => krb5_token_tool() };

my $t = t_dir();
my $spn = 'HTTP/localhost@EXAMPLE.TEST';

sub figures {
    my $res = curl('/negotiate-status?auto');
    my %f = map { /^([^:]+): (.*)$/ ? ($1 => $2) : () } split /\n/, $res->{body};
    return { map { $_ => $f{"TicketCache$_"} // 0 } qw(Hits Misses Declined) };
}

# What the counters moved by since $before: "hits,misses,declined".
sub moved {
    my ($before) = @_;
    my $now = figures();
    return join(',', map { $now->{$_} - $before->{$_} } qw(Hits Misses Declined));
}

# The counters expected after a connection whose first request carried a
# ticket used before (hit or miss, as the child goes), then $hits hits and
# $declined declined: a pattern for moved().
sub first_either {
    my ($hits, $declined) = @_;
    return qr/^(?:${\ ($hits + 1)},0|$hits,1),$declined$/;
}

sub edit {
    my @args = @_;
    my $out = `/usr/bin/python3 '$t/client/apreq_edit.py' @args`;
    chomp $out;
    return $out;
}

# One connection: each token (base64 raw krb5) as one request to $path.
sub on_one_connection {
    my ($path, @tokens) = @_;
    return craft(path => $path,
                 steps => [map { "s=Negotiate tok=hex:" . b64hex($_) } @tokens]);
}

# A ccache with alice's (or bob's) TGT and the service ticket for HTTP/localhost.
sub ccache_with_ticket {
    my ($user) = @_;
    my $src = kinit_user($user);
    my $cc = "$t/tmp/ticket_cache.$user.$$.cc";
    system('cp', $src, $cc) == 0 or return;
    system("KRB5CCNAME=FILE:$cc kgetcred '$spn' >/dev/null 2>&1") == 0 or return;
    return $cc;
}

my $alice = ccache_with_ticket('alice');
my $bob = ccache_with_ticket('bob');
ok($alice && $bob, 'ccaches with service tickets for alice and bob');

# ---------------------------------------------------------------- the fast path
# A real initiator (Heimdal's) sends the same ticket with a new authenticator
# each time: the first request is verified by Heimdal's acceptor and
# remembered, the next ones cost only the authenticator.
my @g = map { krb5_token($alice, '--from-cache') } 1 .. 3;
ok(!grep({ !$_ } @g), 'three genuine tokens from one ticket');
my $before = figures();
my $r = on_one_connection('/krb/whoami', @g);
is($r->{statuses}, '200,200,200', 'three logons with one ticket: 200 each');
is($r->{user3}, 'alice@EXAMPLE.TEST', 'the third (from the cache) is alice');
is(moved($before), '2,1,0', 'one miss (Heimdal), then two hits');

# MIT's initiator, one context per request on one connection: each 200, and
# each AP-REP (made on the fast path by krb5_mk_rep) completes the client's
# context (mutual authentication).
$before = figures();
my $m = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice, repeat => 4);
is($m->{repeat_statuses}, '200,200,200,200', 'MIT client, SPNEGO, 4 logons on one connection');
is($m->{repeat_users}, join(',', ('alice@EXAMPLE.TEST') x 4), '... each alice');
is($m->{repeat_mutual}, '1,1,1,1', '... each server token completes the context (AP-REP verified)');
like(moved($before), first_either(3, 0), '... the last three from the cache');
$m = python_gss(path => '/krb/whoami', mech => 'krb5', ccache => $alice, repeat => 3);
is("$m->{repeat_statuses} $m->{repeat_mutual}", '200,200,200 1,1,1', 'MIT client, raw krb5: 200 and mutual each time');

# The fast path's AP-REP next to the full acceptor's (/krbnc/: the cache
# off), both decrypted with the ticket's session key: the same fields (an
# acceptor subkey of the session key's enctype, a sequence number).
{
    my @f = map { krb5_token($alice, '--forge') } 1 .. 3;
    my $rr = craft(path => '/krb/whoami', steps => [
        map({ "s=Negotiate tok=hex:" . b64hex($_) } @f[0, 1]),
        "s=Negotiate p=/krbnc/whoami tok=hex:" . b64hex($f[2])]);
    is($rr->{statuses}, '200,200,200', 'forged tokens: 200 from the cache and from Heimdal');
    my ($fast, $full) = map { my $h = b64hex($rr->{"reply$_"});
                              my $o = `KRB5CCNAME=FILE:$alice '$t/tmp/krb5_token' --read-reply $h 2>&1`;
                              chomp $o; $o } 2, 3;
    like($fast, qr/^reply ctime=\d+ cusec=\d+ subkey=18 seq=present$/,
         "the fast path's AP-REP: acceptor subkey (aes256), sequence number");
    (my $shape_fast = $fast) =~ s/ctime=\d+ cusec=\d+ //;
    (my $shape_full = $full) =~ s/ctime=\d+ cusec=\d+ //;
    is($shape_fast, $shape_full, "... the same fields as Heimdal's acceptor's ($full)");
}

# NegotiateTicketCache Off: Heimdal's acceptor for every request.
$before = figures();
$r = on_one_connection('/krbnc/whoami', map { krb5_token($alice, '--from-cache') } 1 .. 2);
is($r->{statuses}, '200,200', 'NegotiateTicketCache Off: 200, 200');
is(moved($before), '0,0,0', '... and the cache is not used');

# ---------------------------------------------------------------- hostile
# 1. The ticket altered in one byte after the genuine one was cached: a
#    different ticket (its hash differs), so Heimdal's acceptor sees it, and
#    its integrity check fails.
my ($g1, $g2, $g3) = map { krb5_token($alice, '--from-cache') } 1 .. 3;
my $altered = edit('flip', $g2);
ok($altered && $altered ne $g2, 'a token with its ticket altered in one bit');
my $mark = log_mark();
$before = figures();
$r = on_one_connection('/krb/whoami', $g1, $altered, $g3);
is($r->{statuses}, '200,401,200', 'genuine 200, altered ticket 401, genuine again 200');
like(moved($before), qr/^(?:2,1|1,2),0$/, 'the altered ticket was not taken for the cached one (a miss)');
like(log_since($mark), qr/NEG0203: Kerberos authentication failed: refused a Kerberos ticket for \Q$spn\E .*did not decrypt with the keytab's key/,
     '... and Heimdal refused it: it does not decrypt');

# 1b. The cached ticket with its clear-text service name rewritten (same
#    length) and a fresh authenticator: the same cache entry (the key is
#    the ciphertext: clear-text names would let one ticket fill the cache
#    under many), whose name is checked on every use: declined there, and
#    after Heimdal's acceptor, whose key for the real name decrypts it, the
#    module's check of the name in clear text refuses it (issue 9).
{
    my ($c1, $c2) = map { krb5_token($alice, '--from-cache') } 1 .. 2;
    (my $renamed = decode_base64($c2)) =~ s/localhost/localhosx/;
    $mark = log_mark();
    $before = figures();
    $r = on_one_connection('/krb/whoami', $c1, encode_base64($renamed, ''));
    is($r->{statuses}, '200,401', 'cached ticket with its sname rewritten: 401');
    like(moved($before), qr/^(?:1,0|0,1),1$/, '... found in the cache, declined for its name');
    like(log_since($mark), qr/NEG0203: .*HTTP\/localhosx\@EXAMPLE\.TEST.*no key of the keytab/,
         '... refused for its name');
}

# 2. A replayed authenticator with a cached ticket: the replay cache still
#    sees every authenticator.
my ($h1, $h2) = map { krb5_token($alice, '--from-cache') } 1 .. 2;
$mark = log_mark();
$before = figures();
$r = on_one_connection('/krb/whoami', $h1, $h2, $h2);
is($r->{statuses}, '200,200,401', 'a token from the cache replayed: 401');
like(moved($before), first_either(2, 0), '... (both later tokens took the fast path)');
like(log_since($mark), qr/NEG0206: .*replay/i, '... as a replay (NEG0206)');

# 3. A genuine ticket with another client's authenticator: alice's cached
#    ticket, bob's authenticator (encrypted in bob's session key).
my $a1 = krb5_token($alice, '--from-cache');
my $b1 = krb5_token($bob, '--from-cache');
my $spliced = edit('splice', krb5_token($alice, '--from-cache'), $b1);
ok($spliced, "alice's ticket with bob's authenticator");
$mark = log_mark();
$before = figures();
$r = on_one_connection('/krb/whoami', $a1, $spliced);
is($r->{statuses}, '200,401', "alice's ticket cached, then with bob's authenticator: 401");
like(moved($before), first_either(0, 1), '... declined by the fast path (it does not decrypt), left to Heimdal');
like(log_since($mark), qr/NEG0203: Kerberos authentication failed/, '... which refused it');

# 4. An authenticator that names another client than the ticket's (made
#    with alice's session key: only alice could): refused.
my $named_bob = krb5_token($alice, '--forge', '--client', 'bob@EXAMPLE.TEST');
$before = figures();
$r = on_one_connection('/krb/whoami', krb5_token($alice, '--forge'), $named_bob);
is($r->{statuses}, '200,401', "alice's cached ticket with an authenticator naming bob: 401");
like(moved($before), first_either(0, 1), '... declined by the fast path, refused by Heimdal');

# 5. An authenticator outside the clock skew with a cached ticket.
$mark = log_mark();
$r = on_one_connection('/krb/whoami', krb5_token($alice, '--forge'),
                       krb5_token($alice, '--forge', '--offset', 700));
is($r->{statuses}, '200,401', 'cached ticket, authenticator 700 s ahead: 401');
like(log_since($mark), qr/clocks differ by more than the allowed skew/, '... for clock skew');

# 6. Delegation is left to Heimdal (it stores the credentials); the GSS
#    checksum's flags are read on the fast path.
$before = figures();
$r = on_one_connection('/krb/whoami', krb5_token($alice, '--forge'),
                       krb5_token($alice, '--forge', '--gss-flags', 0x3f));
is($r->{statuses}, '200,200', 'a known ticket asking for delegation: 200');
like(moved($before), first_either(0, 1), '... by Heimdal (declined by the fast path)');

# 7. An expired ticket still in the cache. The ticket (minted with the
#    service key, as the KDC would) ended 298 s ago: within the 300 s skew
#    it is accepted, and cached. Three seconds later, on the same
#    connection (the same child, with the entry), a fresh authenticator for
#    it must be refused as Heimdal refuses it: expired.
my $minted = mint_ticket(client => 'alice@EXAMPLE.TEST', expire => -298);
my $made = time;
ok($minted, 'a ticket that ended 298 s ago');
my @e = map { krb5_token($minted, '--forge') } 1 .. 3;
$mark = log_mark();
$before = figures();
$r = craft(path => '/short/whoami', steps => [
    map({ "s=Negotiate tok=hex:" . b64hex($_) } @e[0, 1]),
    sprintf('sleep=%.2f s=Negotiate tok=hex:%s', $made + 3.4 - time, b64hex($e[2]))]);
is($r->{statuses}, '200,200,401', 'within the skew: 200, 200 from the cache; past it: 401');
like(log_since($mark), qr/the ticket has expired/, '... as expired');
is(moved($before), '1,2,0', '... the entry was dropped when it was over (a second miss)');
unlink $minted;

# ---------------------------------------------------------------- Extended Protection
# On TLS with NegotiateExtendedProtection Require: tokens bound to this
# channel pass on the fast path; one bound to another certificate (a relay)
# with the cached ticket is refused.
SKIP: {
    skip 'mod_ssl', 6 unless -r "$t/tmp/tls/other.pem";
    $before = figures();
    $m = python_gss(path => '/epa-require/whoami', mech => 'spnego', ccache => $alice,
                    tls => 1, cbt => 'auto', repeat => 3);
    is($m->{repeat_statuses}, '200,200,200', 'TLS, bound tokens: 200 each');
    is($m->{repeat_mutual}, '1,1,1', '... mutual each');
    like(moved($before), first_either(2, 0), '... two from the cache');
    $mark = log_mark();
    $m = python_gss(path => '/epa-require/whoami', mech => 'spnego', ccache => $alice,
                    tls => 1, cbt => 'auto', cbt_cert => "$t/tmp/tls/other.pem",
                    repeat => 3, repeat_cbt => 'auto,other,none');
    is($m->{repeat_statuses}, '200,401,401',
       'cached ticket: bound to this channel 200, to another 401, unbound 401');
    like(log_since($mark), qr/NEG0210: .*bound to another TLS channel/, '... relayed: NEG0210');
    like(log_since($mark), qr/NEG0210: .*carries none/, '... unbound: NEG0210');
}
unlink $alice, $bob;
