# CORS preflight: with `Require method OPTIONS` in a <RequireAny>, the
# browser's credential-less OPTIONS gets its answer (200 and the CORS
# headers) instead of a 401, while every other method still needs a logon.
# The same location without the rule answers the preflight with 401.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 15;

my $origin = 'https://app.example.test';
my @preflight = (args => ['-X', 'OPTIONS'],
                 header => ["Origin: $origin", 'Access-Control-Request-Method: GET',
                            'Access-Control-Request-Headers: content-type']);

sub header_value {
    my ($res, $name) = @_;
    my ($h) = grep { lc $_->[0] eq lc $name } @{ $res->{headers} };
    return $h ? $h->[1] : '';
}

my $mark = log_mark();
my $res = curl('/cors/whoami', @preflight);
ok t_cmp($res->{status}, 200, 'preflight OPTIONS is answered, not challenged');
ok t_cmp(scalar(www_auth($res)), 0, 'and carries no WWW-Authenticate');
ok t_cmp(header_value($res, 'Access-Control-Allow-Origin'), $origin,
         'Access-Control-Allow-Origin names the caller');
ok t_cmp(header_value($res, 'Access-Control-Allow-Credentials'), 'true',
         'Access-Control-Allow-Credentials: true');
ok t_cmp($res->{body}, qr/^(?!.*REMOTE_USER=\S)/s, 'no user was made up for it');
ok t_cmp(log_since($mark), qr/^(?!.*NEG\d{4})/s, 'the module was not asked: no NEG line');

$res = curl('/cors/whoami', header => ["Origin: $origin"]);
ok t_cmp($res->{status}, 401, 'GET without credentials still gets 401');
ok t_cmp(join(',', www_auth($res)), 'Negotiate,NTLM', 'with the usual challenge');
ok t_cmp(header_value($res, 'Access-Control-Allow-Origin'), $origin,
         'the 401 carries the CORS headers too');

$res = curl('/cors/whoami', args => ['-X', 'DELETE'], header => ["Origin: $origin"]);
ok t_cmp($res->{status}, 401, 'the rule names OPTIONS only: DELETE needs a logon');

$res = curl('/cors/whoami', ccache => kinit_user('alice'), header => ["Origin: $origin"]);
ok t_cmp($res->{status}, 200, 'alice signs in by Kerberos on the same location');
ok t_cmp($res->{body}, qr/^REMOTE_USER=alice\@EXAMPLE\.TEST$/m, 'as alice');

$res = curl('/cors-strict/whoami', @preflight);
ok t_cmp($res->{status}, 401, 'without the rule the preflight gets 401');
ok t_cmp(join(',', www_auth($res)), 'Negotiate,NTLM', 'and a challenge the browser cannot answer');
ok t_cmp(header_value($res, 'Access-Control-Allow-Origin'), $origin,
         '(the CORS headers do not help)');
