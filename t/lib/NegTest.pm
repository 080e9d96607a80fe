package NegTest;
# Helpers for the integration tests: real clients (curl, Heimdal kinit,
# python3-gssapi) against the httpd that Apache::Test started, and the
# error log lines each request produced.
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use Apache::Test ();
use NegClient qw(run_client);
use Apache::TestUtil ();
use MIME::Base64 ();

our @EXPORT = qw(b64hex port tls_port url curl kinit_user log_mark log_since status_ok
                 www_auth python_gss ntlm_client spnego_init_token ntlmssp_type1 ntlmssp_oid t_dir
                 craft krb5_token_tool krb5_token mint_ticket machine_password
                 ensure_machine_account browser screenshot);

sub t_dir { Apache::Test::vars('t_dir') }
sub port  { Apache::Test::vars('port') }
sub tls_port { Apache::Test::config()->{vhosts}{neg_tls}{port} }

# URL for a host name; every name resolves to the loopback server.
sub url {
    my ($path, $host, $tls) = @_;
    $host //= 'localhost';
    return $tls ? "https://$host:" . tls_port() . $path
                : "http://$host:" . port() . $path;
}

my %ccache;

# A Kerberos ticket-granting ticket for a user (Heimdal kinit), cached per
# test file; returns the ccache path to put into KRB5CCNAME.
sub kinit_user {
    my ($user) = @_;
    my $dir = t_dir() . '/tmp';
    mkdir $dir unless -d $dir;
    return $ccache{$user} //= NegClient::kinit($user, "$dir/$user.$$.cc");
}

# t/client/krb5_token.c (Heimdal): a Kerberos token whose times the test
# chooses. Built into t/tmp when missing or older than its source; returns
# the tool's path, or '' when it cannot be built (its errors are in
# t/tmp/krb5_token.err).
sub krb5_token_tool {
    my $tool = t_dir() . '/tmp/krb5_token';
    my $src = t_dir() . '/client/krb5_token.c';
    return $tool if -x $tool && -M $tool <= -M $src;
    # -lasn1: --forge encodes the AP-REQ with Heimdal's ASN.1 functions,
    # which live in libasn1 (not in heimdal-krb5.pc's libraries)
    my $flags = `pkg-config --cflags --libs heimdal-gssapi heimdal-krb5 2>/dev/null`;
    chomp $flags;
    $flags .= ' -lasn1';
    return system("cc -O1 -o '$tool' '$src' $flags 2>'$tool.err'") == 0 ? $tool : '';
}

# Hex of a base64 token, for craft.py's tok=hex:
sub b64hex { unpack('H*', MIME::Base64::decode_base64($_[0] // '')) }

# A token (base64) made by krb5_token with the client's ccache and args.
sub krb5_token {
    my ($ccache, @args) = @_;
    my $tool = krb5_token_tool() or return '';
    local $ENV{KRB5CCNAME} = "FILE:$ccache";
    my $tok = `'$tool' @args 2>>'$tool.err'`;
    chomp $tok;
    return $tok;
}

# A service ticket minted with the service key from the keytab (Heimdal's
# kimpersonate), as a KDC would issue it but with the client name, the
# lifetime (seconds, negative: ended that long ago) and the ticket flags
# the test chooses, and no PAC. Returns a new ccache file, or undef.
my $minted = 0;
sub mint_ticket {
    my (%o) = @_;
    my $cc = t_dir() . "/tmp/minted.$$." . $minted++ . '.cc';
    unlink $cc;
    my @cmd = ('kimpersonate', '-5', "--ccache=FILE:$cc",
               '-s', $o{service} // 'HTTP/localhost@EXAMPLE.TEST',
               '-c', $o{client}, '-k', $ENV{NEGOTIATE_KEYTAB},
               '-e', $o{expire} // 3600);
    push @cmd, '-f', $o{flags} if $o{flags};
    return system(@cmd) == 0 ? $cc : undef;
}

# A computer account (HOSTILEWS$) with a password we know, created over
# LDAP as the domain's Administrator when it is missing (the suite runs
# unprivileged). Checked with an NTLM logon where computer accounts may
# sign in (/machines/).
sub machine_password { 'HostileMachinePassw0rd!' }

sub ensure_machine_account {
    my $pw = machine_password();
    my $r = craft(path => '/machines/whoami',
                  steps => ["tok=t1:m user=HOSTILEWS\$ pw=$pw", 'tok=t3:m']);
    return if ($r->{statuses} // '') eq '401,200';
    my $tool = "/usr/bin/python3 /usr/bin/samba-tool";
    my $cred = "-H ldap://127.0.0.10 -U'Administrator%AdminPassw0rd!'";
    system("$tool computer add HOSTILEWS $cred >/dev/null 2>&1");
    system("$tool user setpassword 'HOSTILEWS\$' --newpassword='$pw' $cred >/dev/null 2>&1");
}

# Run curl; returns { status, codes (every transfer's status, concatenated),
# headers => [[name, value]...] of the final response, all_headers, body }.
# Options: ccache => path, args => [...], header => [...], host => name
# (resolved to 127.0.0.1), tls => 1 (https on the TLS vhost), again =>
# [options of a second request to the same URL on the same connection].
sub curl {
    my ($path, %o) = @_;
    my $host = $o{host} // 'localhost';
    my @cmd = ('-w', '%{http_code}');
    push @cmd, '--resolve', "$host:" . ($o{tls} ? tls_port() : port()) . ':127.0.0.1'
        if $host ne 'localhost';
    push @cmd, '-k' if $o{tls};
    push @cmd, '--negotiate', '-u', ':' if $o{ccache};
    push @cmd, map { ('-H', $_) } @{ $o{header} || [] };
    push @cmd, @{ $o{args} || [] };
    push @cmd, url($path, $host, $o{tls});
    # a second request on the same connection: again => [its own options]
    push @cmd, '--next', '-s', '-S', '-o', '/dev/null', '-w', '%{http_code}',
        ($o{tls} ? '-k' : ()), @{ $o{again} }, url($path, $host, $o{tls})
        if $o{again};
    local $ENV{KRB5CCNAME} = $o{ccache} ? "FILE:$o{ccache}" : 'FILE:/nonexistent';
    local %ENV = (%ENV, %{ $o{env} || {} });
    my $r = NegClient::run_curl(@cmd);
    return { status => $r->{out} + 0, codes => $r->{out}, headers => $r->{headers},
             all_headers => $r->{all_headers}, body => $r->{body} };
}

# The WWW-Authenticate values of the final response, in order.
sub www_auth {
    my ($res) = @_;
    return map { $_->[1] } grep { lc $_->[0] eq 'www-authenticate' } @{ $res->{headers} };
}

sub error_log { t_dir() . '/logs/error_log' }

# Remember where the error log ends; log_since returns what came after.
sub log_mark { return -s error_log() || 0 }

sub log_since {
    my ($mark) = @_;
    open(my $f, '<', error_log()) or return '';
    seek($f, $mark, 0);
    local $/;
    return <$f> // '';
}

# python3-gssapi (MIT) client: returns a hash of what it printed
# (status, remote_user, mutual, ...).
sub python_gss {
    my (%o) = @_;
    my @cmd = ('/usr/bin/python3', t_dir() . '/client/gss_client.py',
               '--port', $o{tls} ? tls_port() : port(), '--host', $o{host} // 'localhost',
               '--path', $o{path}, '--mech', $o{mech},
               ($o{send} ? ('--send', $o{send}) : ()),
               ($o{tls} ? ('--tls') : ()),
               ($o{cbt} ? ('--cbt', $o{cbt}) : ()),
               ($o{cbt_cert} ? ('--cbt-cert', $o{cbt_cert}) : ()),
               ($o{also} ? ('--also', $o{also}) : ()),
               ($o{repeat} ? ('--repeat', $o{repeat}) : ()),
               ($o{repeat_cbt} ? ('--repeat-cbt', $o{repeat_cbt}) : ()));
    local $ENV{KRB5CCNAME} = "FILE:$o{ccache}";
    return run_client(@cmd);
}

# t/client/ntlm_client.py: one NTLM handshake by a real client
# implementation; returns what it printed as a hash.
sub ntlm_client {
    my (%o) = @_;
    my @cmd = ('/usr/bin/python3', t_dir() . '/client/ntlm_client.py',
               '--port', $o{tls} ? tls_port() : port(), '--path', $o{path});
    for my $k (sort keys %o) {
        next if $k eq 'path' || $k eq 'env';
        my $flag = '--' . ($k =~ tr/_/-/r);
        if (!defined $o{$k} || $o{$k} eq '1' && $k =~ /^(spnego|split|tamper_mic|tamper_av|tamper_user|expect100|body_first|restart|tls)$/) {
            push @cmd, $flag;
        } else {
            push @cmd, $flag, $o{$k};
        }
    }
    local %ENV = (%ENV, %{ $o{env} || {} });
    local $ENV{KRB5CCNAME} = 'FILE:/nonexistent';
    local $ENV{OPENSSL_CONF} = t_dir() . '/client/openssl-legacy.cnf';
    return run_client(@cmd);
}

# Headless Chromium (t/browser/browse.js, playwright-core): page loads in
# one fresh browser. Takes the scenario (browser options and visits =>
# [{url, screenshot}], see browse.js) and returns what it printed: visits
# (status, text, prompts, legs), auth (Chromium's authentication events).
sub browser {
    my (%sc) = @_;
    require JSON::PP;
    my $json = JSON::PP->new->canonical;
    open(my $out, '-|', 'node', t_dir() . '/browser/browse.js', $json->encode(\%sc))
        or die "node: $!";
    my $text = do { local $/; <$out> };
    close $out;
    die "t/browser/browse.js failed (exit status " . ($? >> 8) . ")\n" if $? || !$text;
    return $json->decode($text);
}

# Where a browser test keeps its screenshot: t/logs/browser/NAME.png (kept
# after the run).
sub screenshot { t_dir() . "/logs/browser/$_[0].png" }

# DER helpers to build tokens that no installed client sends on demand.
sub der {
    my ($tag, $content) = @_;
    my $len = length $content;
    my $l = $len < 128 ? chr($len)
          : $len < 256 ? "\x81" . chr($len)
          :              "\x82" . pack('n', $len);
    return chr($tag) . $l . $content;
}

my $NTLMSSP_OID = "\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a";
my $SPNEGO_OID  = "\x06\x06\x2b\x06\x01\x05\x05\x02";

# A 32-byte NTLMSSP NEGOTIATE (Type 1) as curl sends it: no version field.
sub ntlmssp_type1 {
    return "NTLMSSP\0" . pack('V', 1) . pack('V', 0xa2088207) . ("\0" x 16);
}

# SPNEGO NegTokenInit (RFC 4178 4.2.1) offering the given mechanism OIDs
# (DER) with an optional mechToken.
sub spnego_init_token {
    my ($mech_oids, $token) = @_;
    my $init = der(0xa0, der(0x30, join('', @$mech_oids)));
    $init .= der(0xa2, der(0x04, $token)) if defined $token;
    return der(0x60, $SPNEGO_OID . der(0xa0, der(0x30, $init)));
}

sub ntlmssp_oid { $NTLMSSP_OID }

# t/client/craft.py: a scripted sequence of Authorization headers (real
# NTLM and Kerberos messages, mutated and framed as each step says) over
# HTTP/1.1 connections; see the script for the step syntax. One craft.py
# process serves every call of a test file. Returns what it printed for
# the scenario as a hash: status1, www1, user1, ..., statuses, error.
#   craft(path => '/krb/whoami', steps => ['tok=t1:a', 'tok=t3:a m=mic:flip'],
#         host => 'localhost', ccache => $cc)
my ($craft_pid, $craft_in, $craft_out);

sub craft {
    my (%o) = @_;
    require IPC::Open2;
    require JSON::PP;
    require POSIX;
    if (!$craft_pid || waitpid($craft_pid, POSIX::WNOHANG()) != 0) {
        local $ENV{OPENSSL_CONF} = t_dir() . '/client/openssl-legacy.cnf';
        local $ENV{KRB5CCNAME} = 'FILE:/nonexistent';
        $craft_pid = IPC::Open2::open2($craft_out, $craft_in, '/usr/bin/python3',
                                       t_dir() . '/client/craft.py', '--port', port(),
                                       '--serve');
    }
    my %scenario = (steps => $o{steps}, path => $o{path} // '/krb/whoami',
                    host => $o{host} // 'localhost');
    $scenario{ccache} = "FILE:$o{ccache}" if $o{ccache};
    local $SIG{PIPE} = 'IGNORE';
    print {$craft_in} JSON::PP->new->canonical->encode(\%scenario), "\n";
    $craft_in->flush;
    my %r;
    while (defined(my $line = <$craft_out>)) {
        chomp $line;
        last if $line eq 'end';
        $r{$1} = $2 if $line =~ /^(\w+)=(.*)$/;
    }
    $r{error} //= 'craft.py ended' if !%r;
    return \%r;
}

END {
    local $?;               # keep the test's exit status
    if ($craft_pid) {
        close $craft_in;
        waitpid($craft_pid, 0);
    }
}

1;
