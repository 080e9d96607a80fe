# A table of hostile Authorization headers: real NTLM and Kerberos messages
# truncated, re-pointed, re-framed, replayed or sent out of order
# (t/client/craft.py), each checked for
#   (a) the status: 401 with a fresh challenge, or httpd's own 400 where
#       httpd refuses the request before the module sees it; never 200/5xx;
#   (b) the error-log line: exactly the expected NEGnnnn tags, and the words
#       that say what happened;
#   (c) the server serves the next request (a static file after every case,
#       a real Kerberos sign-in as alice after every ten).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

my $t = t_dir();
my $alice = kinit_user('alice');
my $log_start = log_mark();

# ---------------------------------------------------------------- helpers

unlink "$t/tmp/krb5_token.err";
my $have_tool = krb5_token_tool();

# Clock skew: the initiator's clock 700 s ahead / behind (the acceptor
# allows 300 s). Heimdal's acceptor answers with a KRB-ERROR token and
# GSS_S_CONTINUE_NEEDED (so a client could retry with the server's time).
my $skew_ahead  = $have_tool ? krb5_token($alice, '--offset', 700) : '';
my $skew_behind = $have_tool ? krb5_token($alice, '--offset', -700) : '';

# An expired ticket. The KDC refuses a lifetime that ends in the past
# (KRB5KDC_ERR_NEVER_VALID), and the acceptor calls a ticket expired only
# when it ended more than the 5-minute skew ago, so a KDC-issued ticket
# would mean waiting over 5 minutes. Instead the ticket is minted with the
# service key from the keytab (Heimdal's kimpersonate), as the KDC would
# issue it, ending 1000 s ago; the initiator's clock is set 1500 s back so
# that it still uses it. The acceptor then really fails with
# KRB5KRB_AP_ERR_TKT_EXPIRED (checked before the authenticator's time).
my $expired = '';
if ($have_tool) {
    my $cc = mint_ticket(client => 'alice@EXAMPLE.TEST', expire => -1000);
    $expired = krb5_token($cc, '--from-cache', '--offset', -1500) if $cc;
    unlink $cc if $cc;
}

my $machine_pw = machine_password();

# ---------------------------------------------------------------- the table
#
# name, steps (craft.py), expect (the statuses of all steps), tags (the NEG
# tags logged, in order; '' for none), log (the words), and optionally path,
# host, ccache, www (WWW-Authenticate of every step, '|'-separated; by
# default only the last step's is checked: a fresh challenge after a 401 of
# the module, none after httpd's 400), user (REMOTE_USER of the last step),
# setup (run before the log mark).

my $T1 = 'tok=t1:a';
my $T3 = 'tok=t3:a';
my $min_t3 = 'tok=hex:' . unpack('H*', "NTLMSSP\0" . pack('V', 3) . ("\0" x 52));
my $who = qr/EXAMPLE\\\\alice \(workstation TESTWS\)/;
my $over = qr/ that is neither NEGOTIATE nor AUTHENTICATE/;
my $big = 'A' x 20000;

my @cases = (
    # ------------------------------------------------ NTLM NEGOTIATE (Type 1)
    { name => 'Type 1 truncated to 7 bytes (no signature)', steps => ["$T1 m=trunc:7"],
      expect => '401', tags => 'NEG0106',
      log => qr/refused the NTLM token \(7 bytes\): unrecognised token/ },
    { name => 'Type 1 truncated to 10 bytes (no message type)', steps => ["$T1 m=trunc:10"],
      expect => '401', tags => 'NEG0306', log => qr/refused an NTLM message \(raw NTLMSSP\)$over/ },
    { name => 'Type 1 truncated to 14 bytes', steps => ["$T1 m=trunc:14"],
      expect => '401', tags => 'NEG0303',
      log => qr/refused an NTLM NEGOTIATE message: message shorter than its fixed header/ },
    { name => 'Type 1 truncated to 45 bytes: its domain field runs past the end',
      steps => ["$T1 m=trunc:45"], expect => '401', tags => 'NEG0303',
      log => qr/NEGOTIATE message: a field points outside the message/ },
    { name => 'Type 1 domain offset 0xffffffff', steps => ["$T1 m=set32:20:0xffffffff"],
      expect => '401', tags => 'NEG0303', log => qr/NEGOTIATE message: a field points outside the message/ },
    { name => 'Type 1 domain length 0xffff', steps => ["$T1 m=set16:16:0xffff m=set16:18:0xffff"],
      expect => '401', tags => 'NEG0303', log => qr/NEGOTIATE message: a field points outside the message/ },
    { name => 'Type 1 domain field inside the fixed header', steps => ["$T1 m=set32:20:8"],
      expect => '401', tags => 'NEG0303', log => qr/NEGOTIATE message: fields overlap each other or the header/ },
    { name => 'Type 1 workstation field overlapping the domain', steps => ["$T1 m=set32:28:40"],
      expect => '401', tags => 'NEG0303', log => qr/NEGOTIATE message: fields overlap each other or the header/ },
    { name => 'Type 1 with a wrong signature', steps => ["$T1 m=xor:6:2"],
      expect => '401', tags => 'NEG0106', log => qr/refused the NTLM token \(53 bytes\): unrecognised token/ },
    { name => 'Type 1 truncated to its 24-byte minimal form: answered, but the MIC of the handshake fails',
      steps => ["$T1 m=trunc:24", $T3], expect => '401,401', www => 'NTLM+tok|Negotiate,NTLM',
      tags => 'NEG0304', log => qr/refused the NTLM logon of $who: its MIC does not match/ },

    # ------------------------------------------------ NTLM AUTHENTICATE (Type 3)
    { name => 'Type 3 truncated to 10 bytes', steps => [$T1, "$T3 m=trunc:10"],
      expect => '401,401', tags => 'NEG0306', log => qr/refused an NTLM message \(raw NTLMSSP\)$over/ },
    { name => 'Type 3 truncated to 40 bytes', steps => [$T1, "$T3 m=trunc:40"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/refused an NTLM AUTHENTICATE message: message shorter than its fixed header/ },
    { name => 'Type 3 truncated to 63 bytes (one short of its header)', steps => [$T1, "$T3 m=trunc:63"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message: message shorter than its fixed header/ },
    { name => 'Type 3 truncated to 100 bytes: fields past the end', steps => [$T1, "$T3 m=trunc:100"],
      expect => '401,401', tags => 'NEG0304', log => qr/AUTHENTICATE message: a field points outside the message/ },
    { name => 'Type 3 truncated to 300 bytes: the session key past the end', steps => [$T1, "$T3 m=trunc:300"],
      expect => '401,401', tags => 'NEG0304', log => qr/AUTHENTICATE message: a field points outside the message/ },
    { name => 'Type 3 user offset 0xffffffff', steps => [$T1, "$T3 m=set32:40:0xffffffff"],
      expect => '401,401', tags => 'NEG0304', log => qr/AUTHENTICATE message: a field points outside the message/ },
    { name => 'Type 3 NT response length 0xffff', steps => [$T1, "$T3 m=set16:20:0xffff m=set16:22:0xffff"],
      expect => '401,401', tags => 'NEG0304', log => qr/AUTHENTICATE message: a field points outside the message/ },
    { name => 'Type 3 session key length 0xffff at offset 0xffffffff',
      steps => [$T1, "$T3 m=set16:52:0xffff m=set32:56:0xffffffff"],
      expect => '401,401', tags => 'NEG0304', log => qr/AUTHENTICATE message: a field points outside the message/ },
    { name => 'Type 3 domain field inside the fixed header', steps => [$T1, "$T3 m=set32:32:8"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message: fields overlap each other or the header/ },
    { name => 'Type 3 domain field overlapping the user name', steps => [$T1, "$T3 m=set32:32:95"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message: fields overlap each other or the header/ },
    { name => 'Type 3 user name with a NUL byte', steps => [$T1, "$T3 m=field:user:616c006365"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message: a name is not valid UTF-16 or is too long/ },
    { name => 'Type 3 flagged Unicode with odd-length (OEM) names', steps => [$T1, "$T3 m=flags:set:1"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message: a name is not valid UTF-16 or is too long/ },

    # ------------------------------------------------ order, type, connection
    { name => 'Type 3 first, on a fresh connection', steps => [$min_t3],
      expect => '401', tags => 'NEG0304',
      log => qr/refused an NTLM AUTHENTICATE message on a connection that was not sent our challenge/ },
    { name => 'Type 2 (our challenge) sent back by the client', steps => [$T1, 'tok=t2:a'],
      expect => '401,401', tags => 'NEG0306', log => qr/refused an NTLM message \(raw NTLMSSP\)$over/ },
    { name => 'Type 1 twice, then the Type 3 of the first handshake', steps => [$T1, 'tok=t1:b', $T3],
      expect => '401,401,401', www => 'NTLM+tok|NTLM+tok|Negotiate,NTLM', tags => 'NEG0304',
      log => qr/refused the NTLM response of $who: the AV pairs of our challenge came back altered/ },
    { name => 'Type 3 meant for another connection (which has its own challenge)',
      steps => [$T1, 'c=2 tok=t1:b', "c=2 $T3"],
      expect => '401,401,401', tags => 'NEG0304', log => qr/the AV pairs of our challenge came back altered/ },
    { name => 'Type 3 on another connection, which never started a handshake',
      steps => [$T1, "c=2 $T3"], expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message on a connection that was not sent our challenge \(a replayed or misrouted message/ },
    { name => 'Type 3 replayed on the connection it authenticated', steps => [$T1, $T3, 'tok=same:2'],
      expect => '401,200,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message on a connection that was not sent our challenge/ },
    { name => 'mixed schemes: NTLM Type 1, then the Type 3 under Negotiate', steps => [$T1, "s=Negotiate $T3"],
      expect => '401,401', tags => 'NEG0304',
      log => qr/refused an NTLM AUTHENTICATE message framed differently from the NEGOTIATE that started the handshake/ },
    { name => 'mixed framing: NTLM Type 1, then the Type 3 in a SPNEGO NegTokenResp',
      steps => [$T1, "s=Negotiate $T3 w=resp"], expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message framed differently from the NEGOTIATE/ },
    { name => 'Type 3 inside a SPNEGO NegTokenInit after a raw Type 1',
      steps => ["s=Negotiate $T1", "s=Negotiate $T3 w=init"], expect => '401,401',
      www => 'Negotiate+tok|Negotiate,NTLM', tags => 'NEG0304',
      log => qr/refused an NTLM AUTHENTICATE message inside a SPNEGO NegTokenInit: it belongs in a NegTokenResp/ },
    { name => 'Type 1 inside a SPNEGO NegTokenResp', steps => ["s=Negotiate $T1 w=resp"],
      expect => '401', tags => 'NEG0104', log => qr/refused a SPNEGO continuation token: no handshake is in progress/ },
    { name => 'Type 3 in a NegTokenResp on a connection without a handshake',
      steps => [$T1, "c=2 s=Negotiate $T3 w=resp"], expect => '401,401', tags => 'NEG0304',
      log => qr/AUTHENTICATE message on a connection that was not sent our challenge/ },

    # ------------------------------------------------ MIC and AV pairs
    { name => 'MIC altered', steps => [$T1, "$T3 m=mic:flip"], expect => '401,401', tags => 'NEG0304',
      log => qr/refused the NTLM logon of $who: its MIC does not match the messages of this handshake/ },
    { name => 'MIC stripped: MsvAvFlags announce a MIC, the message has no room for it',
      steps => [$T1, "$T3 m=nomic"], expect => '401,401', tags => 'NEG0304',
      log => qr/refused the NTLM response of $who: the client announced a MIC but sent none/ },
    { name => 'MIC bit deleted from MsvAvFlags: the NTLMv2 proof no longer matches',
      steps => [$T1, "$T3 m=avflags:clear"], expect => '401,401', tags => 'NEG0304',
      log => qr/the domain refused the NTLM logon of $who: NT_STATUS_WRONG_PASSWORD/ },
    { name => 'AV pair altered (MsvAvNbDomainName)', steps => [$T1, "$T3 m=avflip:2"],
      expect => '401,401', tags => 'NEG0304', log => qr/the AV pairs of our challenge came back altered/ },
    { name => 'AV pairs without MsvAvEOL', steps => [$T1, "$T3 m=avdrop:0"],
      expect => '401,401', tags => 'NEG0304', log => qr/$who: malformed AV pairs in the NTLMv2 response/ },
    { name => 'AV pair duplicated (MsvAvTimestamp twice)', steps => [$T1, "$T3 m=avdup:7"],
      expect => '401,401', tags => 'NEG0304', log => qr/malformed AV pairs in the NTLMv2 response/ },
    { name => 'AV pair removed (MsvAvTimestamp)', steps => [$T1, "$T3 m=avdrop:7"],
      expect => '401,401', tags => 'NEG0304', log => qr/the AV pairs of our challenge came back altered/ },
    { name => 'NTLMv2 blob with RespType 2', steps => [$T1, "$T3 m=blob:0:2"],
      expect => '401,401', tags => 'NEG0304', log => qr/$who: malformed NTLMv2 response/ },
    { name => 'garbage after a valid Type 3', steps => [$T1, "$T3 m=append:4141414141"],
      expect => '401,401', tags => 'NEG0304', log => qr/its MIC does not match/ },
    { name => 'key exchange flagged, session key removed (after the domain said yes)',
      steps => [$T1, "$T3 m=field:key:"], expect => '401,401', tags => 'NEG0304',
      log => qr/refused the NTLM logon of $who: key exchange negotiated without a 16-byte session key/ },

    # ------------------------------------------------ v1, LM, anonymous, accounts
    { name => 'NTLMv1 response', steps => ["$T1 compat=1", $T3], expect => '401,401', tags => 'NEG0304',
      log => qr/refused an NTLMv1 response from $who: only NTLMv2 is accepted \(NegotiateNTLMv1 Off\)/ },
    { name => 'LM-only response', steps => ["$T1 compat=0", "$T3 m=field:nt:"], expect => '401,401',
      tags => 'NEG0304', log => qr/refused an LM response from $who: only NTLMv2 is accepted/ },
    { name => 'NTLMv1 where the module allows it (NegotiateNTLMv1 On): the domain refuses it',
      path => '/ntlmv1/whoami', steps => ["$T1 compat=1", $T3], expect => '401,401', tags => 'NEG0304',
      log => qr/the domain refused the NTLM logon of $who: NT_STATUS_WRONG_PASSWORD: wrong password, or the domain refuses NTLMv1 responses \(Samba's default ntlm auth = ntlmv2-only/ },
    { name => 'LM-only where the module allows it: the domain refuses it',
      path => '/ntlmv1/whoami', steps => ["$T1 compat=0", "$T3 m=field:nt:"], expect => '401,401',
      tags => 'NEG0304', log => qr/NT_STATUS_WRONG_PASSWORD: wrong password, or the domain refuses LM responses/ },
    { name => 'anonymous: the ANONYMOUS flag', steps => [$T1, "$T3 m=flags:set:0x800"],
      expect => '401,401', tags => 'NEG0304', log => qr/refused an anonymous NTLM logon from workstation TESTWS/ },
    { name => 'anonymous: empty user name', steps => [$T1, "$T3 m=field:user:"],
      expect => '401,401', tags => 'NEG0304', log => qr/refused an anonymous NTLM logon/ },
    { name => 'anonymous: empty responses (LM one zero byte)', steps => [$T1, "$T3 m=field:nt: m=field:lm:00"],
      expect => '401,401', tags => 'NEG0304', log => qr/refused an anonymous NTLM logon/ },
    # Samba's AD DC never answers with a Guest logon (NETLOGON_GUEST is set
    # only for anonymous logons, which the module refuses before asking).
    { name => 'the Guest account (disabled, no password)', steps => ["$T1 user=Guest pw=", $T3],
      expect => '401,401', tags => 'NEG0304',
      log => qr/the domain refused the NTLM logon of EXAMPLE\\\\Guest \(workstation TESTWS\): NT_STATUS_WRONG_PASSWORD/ },
    # A computer account is refused (NegotiateMachineAccounts Off): a
    # coerced machine logon relayed here must not become a web identity.
    # The domain controller itself refuses it, once its password proved
    # right, because winbind is not asked to allow trust accounts.
    { name => 'a computer account (HOSTILEWS$) by NTLM: refused by default',
      setup => \&ensure_machine_account,
      steps => ["$T1 user=HOSTILEWS\$ pw=$machine_pw", $T3], expect => '401,401', tags => 'NEG0307',
      log => qr/the domain refused the NTLM logon of EXAMPLE\\\\HOSTILEWS\$ \(workstation TESTWS\): NT_STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT: a computer or trust account, whose password is right; they may not sign in here \(NegotiateMachineAccounts Off\)/ },
    { name => 'a computer account by NTLM where NegotiateMachineAccounts is On',
      path => '/machines/whoami',
      steps => ["$T1 user=HOSTILEWS\$ pw=$machine_pw", $T3], expect => '401,200', www => 'NTLM+tok|',
      tags => '', user => 'HOSTILEWS$@EXAMPLE.TEST' },
    { name => 'unknown domain', steps => ["$T1 dom=NOSUCHDOM", $T3], expect => '401,401', tags => 'NEG0304',
      log => qr/NOSUCHDOM\\\\alice .*NT_STATUS_NO_SUCH_USER: no such user; the client named the domain 'NOSUCHDOM', which is not this server's domain EXAMPLE/ },

    # ------------------------------------------------ the header itself
    { name => 'two Authorization headers (httpd merges them with ", ")', steps => ["$T1 dup"],
      expect => '401', tags => 'NEG0102',
      log => qr/refused the NTLM Authorization header: more than one token \(a comma or space inside it; two Authorization headers\?\)/ },
    { name => 'two Authorization headers: Kerberos and NTLM',
      steps => ['s=Negotiate tok=krb add=NTLM%20TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA='],
      ccache => $alice, expect => '401', tags => 'NEG0102',
      log => qr/refused the Negotiate Authorization header: more than one token/ },
    { name => 'non-base64 bytes', steps => ['h=Negotiate%20%80%FF%FEYII='], expect => '401', tags => 'NEG0102',
      log => qr/refused the Negotiate Authorization header: token is not valid base64/ },
    { name => 'a NUL byte in the header: httpd answers 400 itself', steps => ['h=NTLM%20TlRM%00TVNT'],
      expect => '400', tags => '' },
    { name => 'empty token after Negotiate', steps => ['h=Negotiate%20'], expect => '401', tags => 'NEG0102',
      log => qr/refused the Negotiate Authorization header: no token after the scheme/ },
    { name => 'bare NTLM without a token', steps => ['h=NTLM'], expect => '401', tags => 'NEG0102',
      log => qr/refused the NTLM Authorization header: no token after the scheme/ },
    { name => 'a real Kerberos token over NegotiateMaxTokenSize', path => '/smalltoken/whoami',
      steps => ['s=Negotiate tok=krb'], ccache => $alice, expect => '401', tags => 'NEG0102',
      log => qr/token is larger than NegotiateMaxTokenSize \(limit 256 bytes\)/ },
    { name => 'a header over LimitRequestFieldSize: httpd answers 400 itself',
      steps => ["h=Negotiate%20$big"], expect => '400', tags => '' },
    { name => 'an unknown scheme', steps => ['h=Digest%20username=%22alice%22'], expect => '401',
      tags => 'NEG0101', log => qr/client used the authentication scheme 'Digest', which this location does not offer/ },

    # ------------------------------------------------ SPNEGO and Kerberos
    { name => 'SPNEGO with no mechanism we support', steps => ['s=Negotiate tok=text:x w=init:other'],
      expect => '401', tags => 'NEG0109', log => qr/refused a SPNEGO token: no usable mechanism in the client's list \(other\)/ },
    { name => 'SPNEGO with NegoEx (1.3.6.1.4.1.311.2.2.30) first',
      steps => ['s=Negotiate tok=text:x w=init:negoex,krb5,ntlm'], expect => '401', tags => 'NEG0110',
      www => 'Negotiate+tok',
      log => qr/NEG0110: SPNEGO: the client's list is \(negoex, krb5, ntlmssp\) and its first mechanism is not taken here; counter-proposed krb5/ },
    { name => 'SPNEGO Kerberos without a mechToken', steps => ['s=Negotiate tok=hex: w=init:krb5,ntlm'],
      expect => '401', tags => 'NEG0110', www => 'Negotiate+tok',
      log => qr/NEG0110: .*\(krb5, ntlmssp\) and its first mechanism came without a token, or is not taken here; counter-proposed krb5/ },
    { name => 'SPNEGO: a NegTokenResp of another mechanism after the counter-proposal',
      steps => ['s=Negotiate tok=hex: w=init:negoex,krb5', "s=Negotiate $T1 w=resp"],
      expect => '401,401', tags => 'NEG0110 NEG0203', log => qr/Kerberos authentication failed: refused an unreadable Kerberos token/ },
    { name => 'SPNEGO: the counter-proposal answered on another connection',
      steps => ['s=Negotiate tok=hex: w=init:negoex,krb5', "c=2 s=Negotiate $T1 w=resp"],
      expect => '401,401', tags => 'NEG0110 NEG0104', log => qr/refused a SPNEGO continuation token: no handshake is in progress/ },
    { name => 'SPNEGO: a NegTokenResp without a token after the counter-proposal',
      steps => ['s=Negotiate tok=hex: w=init:negoex,krb5', 's=Negotiate tok=hex:a1023000'],
      expect => '401,401', tags => 'NEG0110 NEG0112', log => qr/after our counter-proposal of krb5: the client sent no token of that mechanism/ },
    { name => 'SPNEGO: NTLMSSP counter-proposed after NegoEx; its AUTHENTICATE without the mechListMIC RFC 4178 requires',
      steps => ['s=Negotiate tok=hex: w=init:negoex,ntlm', "s=Negotiate $T1 w=resp", "s=Negotiate $T3 w=resp"],
      expect => '401,401,401', www => 'Negotiate+tok|Negotiate+tok|Negotiate,NTLM', tags => 'NEG0110 NEG0304',
      log => qr/NTLMSSP was not the client's first mechanism, so SPNEGO's mechListMIC is required \(RFC 4178 section 5\), and the client sent none/ },
    { name => 'SPNEGO NegTokenResp out of sequence', steps => ['s=Negotiate tok=hex:a1023000'],
      expect => '401', tags => 'NEG0104',
      log => qr/refused a SPNEGO continuation token: no handshake is in progress on this connection/ },
    { name => 'SPNEGO naming Kerberos but carrying an NTLM NEGOTIATE', steps => ["s=Negotiate $T1 w=init:krb5"],
      expect => '401', tags => 'NEG0203', log => qr/Kerberos authentication failed: refused an unreadable Kerberos token/ },
    { name => 'a raw krb5 token under the NTLM scheme', steps => ['tok=krbraw'], ccache => $alice,
      expect => '401', tags => 'NEG0105', log => qr/refused a token that the NTLM scheme cannot carry/ },
    { name => 'garbage after a valid SPNEGO token', steps => ['s=Negotiate tok=krb m=append:0000'],
      ccache => $alice, expect => '401', tags => 'NEG0106', log => qr/refused the Negotiate token \(\d+ bytes\): malformed token/ },
    { name => 'garbage after a valid raw krb5 token', steps => ['s=Negotiate tok=krbraw m=append:00'],
      ccache => $alice, expect => '401', tags => 'NEG0106', log => qr/refused the Negotiate token \(\d+ bytes\): malformed token/ },
    { name => 'Kerberos authenticator altered', steps => ['s=Negotiate tok=krbraw m=xor:-20'],
      ccache => $alice, expect => '401', tags => 'NEG0203',
      log => qr/refused a Kerberos ticket for HTTP\/localhost\@EXAMPLE\.TEST .*the token was altered/ },
    { name => 'a replayed Kerberos token (another connection)', steps => ['s=Negotiate tok=krb', 'c=2 s=Negotiate tok=same:1'],
      ccache => $alice, expect => '200,401', tags => 'NEG0206',
      log => qr/refused a replayed Kerberos authenticator of alice\@EXAMPLE\.TEST for HTTP\/localhost\@EXAMPLE\.TEST: the same AP-REQ was accepted before \(NegotiateReplayCache shmcb\)/ },
    { name => 'a replayed Kerberos token (same connection)', steps => ['s=Negotiate tok=krbraw', 's=Negotiate tok=same:1'],
      ccache => $alice, expect => '200,401', tags => 'NEG0206', log => qr/refused a replayed Kerberos authenticator/ },
    { name => 'a ticket for another SPN (HTTP/other.example.test, in no keytab)', host => 'other.example.test',
      steps => ['s=Negotiate tok=krb'], ccache => $alice, expect => '401', tags => 'NEG0203',
      log => qr/refused a Kerberos ticket for HTTP\/other\.example\.test\@EXAMPLE\.TEST .*has no key for HTTP\/other\.example\.test\@EXAMPLE\.TEST/ },
    { name => 'an expired ticket', steps => ['s=Negotiate tok=hex:' . b64hex($expired)],
      expect => '401', tags => 'NEG0203',
      log => qr/refused a Kerberos ticket for HTTP\/localhost\@EXAMPLE\.TEST .*: the ticket has expired: the client must get a new one/ },
    { name => 'clock skew: the client 700 s ahead', steps => ['s=Negotiate tok=hex:' . b64hex($skew_ahead)],
      expect => '401', tags => 'NEG0203', www => 'Negotiate+tok',
      log => qr/refused a Kerberos ticket for HTTP\/localhost\@EXAMPLE\.TEST .*clocks differ by more than the allowed skew: synchronise both with the domain \(NTP\) \[Clock skew too great/ },
    { name => 'clock skew: the client 700 s behind, in SPNEGO',
      steps => ['s=Negotiate tok=hex:' . b64hex($skew_behind) . ' w=init:krb5,ntlm'],
      expect => '401', tags => 'NEG0203', www => 'Negotiate+tok', log => qr/clocks differ by more than the allowed skew/ },
);

my $n_krb = int(@cases / 10) + 1;
plan tests => 4 * @cases + 2 * $n_krb + 3;

ok t_cmp(scalar(@cases) >= 45 ? 1 : 0, 1, scalar(@cases) . ' cases');
ok t_cmp($have_tool && $expired ne '' && $skew_ahead ne '' && $skew_behind ne '' ? 1 : 0, 1,
         't/client/krb5_token built and made its tokens')
    or diag(do { local $/; my $f; open($f, '<', "$t/tmp/krb5_token.err") ? <$f> : '' });

sub krb_signin {
    my ($after) = @_;
    my $res = curl('/krb/whoami', ccache => $alice);
    ok t_cmp($res->{status}, 200, "after $after: Kerberos sign-in still works");
    ok t_cmp($res->{body}, qr/^REMOTE_USER=alice\@EXAMPLE\.TEST$/m, "after $after: as alice");
}

my $i = 0;
for my $c (@cases) {
    my $name = $c->{name};
    $c->{setup}->() if $c->{setup};
    my $mark = log_mark();
    my $r = craft(path => $c->{path} // '/krb/whoami', host => $c->{host},
                  ccache => $c->{ccache}, steps => $c->{steps});
    diag("$name: craft.py: $r->{error}") if $r->{error};
    my @expect = split /,/, $c->{expect};
    my $n = @expect;
    my @www = map { $r->{"www$_"} // '' } 1 .. $n;
    my $last = $expect[-1];
    my ($want_www, $got_www);
    if (defined $c->{www}) {
        ($want_www, $got_www) = ($c->{www}, join('|', @www));
    }
    else {
        ($want_www, $got_www) = ($last eq '401' ? 'Negotiate,NTLM' : '', $www[-1]);
    }
    ok t_cmp("$r->{statuses} [$got_www]", "$c->{expect} [$want_www]", "$name: status and challenge");

    my $log = log_since($mark);
    my @tags = $log =~ /\b(NEG\d{4}):/g;
    ok t_cmp(join(' ', @tags), $c->{tags}, "$name: log tags");
    if (defined $c->{user}) {
        ok t_cmp($r->{'user' . $n} // '', $c->{user}, "$name: REMOTE_USER");
    }
    elsif ($c->{log}) {
        ok t_cmp($log, $c->{log}, "$name: log line");
    }
    else {
        ok t_cmp($log, qr/^(?!.*\bNEG\d)/s, "$name: nothing logged by the module");
    }
    ok t_cmp(curl('/static.txt')->{status}, 200, "$name: the server still serves");
    krb_signin("case $i") if ++$i % 10 == 0;
}
krb_signin('the whole table');

# No httpd child died on the way (mod_status-free check: the core logs it).
ok t_cmp(log_since($log_start), qr/^(?!.*(exit signal|AH00052|Segmentation))/s, 'no child crashed');
