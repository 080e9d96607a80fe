// One request with the JDK's own HTTP client (java.net.HttpURLConnection)
// as an application would make it, for t/root/59_jdk_client.rt.
//
//   java AuthClient URL [USER PASSWORD]
//
// With USER, a java.net.Authenticator answers every question of the JDK
// (NTLM, Basic, and the Kerberos login of its SPNEGO when it has no ticket)
// with USER and PASSWORD, as a stored password does. Without USER there is
// no Authenticator: SPNEGO from the ticket cache only (system properties
// javax.security.auth.useSubjectCredsOnly=false, java.security.krb5.conf).
// Prints STATUS=, ASKED= (how many times the Authenticator was asked),
// SCHEMES= (the schemes it was asked for), then the body.
import java.io.IOException;
import java.io.InputStream;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

public class AuthClient {
    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 3) {
            System.err.println("usage: java AuthClient URL [USER PASSWORD]");
            System.exit(2);
        }
        final List<String> asked = new ArrayList<>();
        if (args.length == 3) {
            final String user = args[1];
            final char[] password = args[2].toCharArray();
            Authenticator.setDefault(new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    synchronized (asked) {
                        asked.add(String.valueOf(getRequestingScheme()));
                    }
                    return new PasswordAuthentication(user, password.clone());
                }
            });
        }
        HttpURLConnection c = (HttpURLConnection) new URL(args[0]).openConnection();
        c.setConnectTimeout(10000);
        c.setReadTimeout(30000);
        int status;
        String body = "";
        try {
            status = c.getResponseCode();
            InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();
            if (in != null) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                in.close();
            }
        } catch (IOException e) {
            status = 0;
            body = "EXCEPTION=" + e;
        }
        synchronized (asked) {
            System.out.println("STATUS=" + status);
            System.out.println("ASKED=" + asked.size());
            System.out.println("SCHEMES=" + String.join(",", asked));
        }
        System.out.print(body);
    }
}
