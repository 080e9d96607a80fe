/*
 * foreign_tokens.h - Negotiate and NTLM tokens of clients and servers that
 * the integration suite cannot run (Windows SSPI in Chrome, a Go program
 * and Windows 7/10, Java JGSS, pyspnego, Chromium's own NTLM, gokrb5,
 * go-ntlmssp) and the examples of [MS-NLMP] section 4.2, copied as test
 * data from the public sources named above each one. Their cryptography
 * cannot be checked here (the keys are the sources' own), except where a
 * comment gives the key: the unit tests check how the pure layers parse
 * and classify them.
 *
 * Each token is kept as base64: the captures' own text, so that it can be
 * compared with its source, and the byte arrays of the specification and
 * of Chromium converted. foreign_token_decode() turns one into bytes;
 * t/fuzz/capture_corpus.sh writes them into the fuzz seed corpora
 * (prefix foreign-).
 */
#ifndef NEG_TEST_FOREIGN_TOKENS_H
#define NEG_TEST_FOREIGN_TOKENS_H

#include <stddef.h>
#include <string.h>

typedef struct {
    const char *name;       /* short name: client and kind */
    size_t len;             /* decoded length */
    const char *b64;
} foreign_token;

enum {
    FT_CHROME130_KRB5,
    FT_GO_SSPI_KRB5,
    FT_WIN_KRB5_NO_NEGOEX,
    FT_WIN_NEGOEX_FIRST,
    FT_WIN_U2U,
    FT_WIN_SPNEGO_NTLM_FIRST,
    FT_WIN_NTLM_TYPE1,
    FT_WIN7_SPNEGO_NTLM,
    FT_WIN7_SPNEGO_ANON,
    FT_WIN7SP1_SPNEGO_NTLM,
    FT_OEM_TYPE1,
    FT_SMB_SPNEGO_NTLM,
    FT_SMB_SPNEGO_AUTH,
    FT_PYSPNEGO_KRB5,
    FT_SERVER_INIT2,
    FT_SERVER_RESP_KRB5,
    FT_WIN2019_TYPE1,
    FT_WIN2016_TYPE2,
    FT_PYSPNEGO_AUTH,
    FT_PYSPNEGO_AUTH_MIC,
    FT_JGSS_SPNEGO,
    FT_JGSS_KRB5,
    FT_MIT_VIA_GOKRB5,
    FT_GOKRB5_RESP_OK,
    FT_GOKRB5_RESP_REJECT,
    FT_GOKRB5_RESP_INCOMPLETE,
    FT_GO_NTLMSSP_TYPE1,
    FT_CHROMIUM_TYPE1,
    FT_CHROMIUM_AUTH_EPA,
    FT_MSNLMP_V1_CHALLENGE,
    FT_MSNLMP_V1_AUTH,
    FT_MSNLMP_V1ESS_CHALLENGE,
    FT_MSNLMP_V1ESS_AUTH,
    FT_MSNLMP_V2_CHALLENGE,
    FT_MSNLMP_V2_AUTH,
    FT_COUNT
};

static const foreign_token FOREIGN_TOKENS[FT_COUNT] = {

    /* Chrome 130 on Windows 10 (User-Agent in the same log), Kerberos through
     * SSPI: NegTokenInit {MS-KRB5, krb5, NegoEx, NTLMSSP} with the AP-REQ as
     * mechToken, whose own GSS header names krb5 (1.2.840.113554.1.2.2).
     * Source: bhecquet/seleniumRobot, core/src/test/resources/tu/
     * chromePerformance/driver-log-performance-with-websockets.txt (a Chrome
     * DevTools log; realm SOCIETE.MMA.FR). */
    [FT_CHROME130_KRB5] = { "chrome130-krb5", 2194,
        "YIIIjgYGKwYBBQUCoIIIgjCCCH6gMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYB"
        "BAGCNwICHgYKKwYBBAGCNwICCqKCCEgEgghEYIIIQAYJKoZIhvcSAQICAQBugggvMIII"
        "K6ADAgEFoQMCAQ6iBwMFACAAAACjggZXYYIGUzCCBk+gAwIBBaEQGw5TT0NJRVRFLk1N"
        "QS5GUqIhMB+gAwIBAqEYMBYbBEhUVFAbDnNiYy5jb3ZlYS5wcml2o4IGETCCBg2gAwIB"
        "F6EDAgEDooIF/wSCBfswed+Z4l02MsobYCIhSVEKZ7K+cGQjdsfxAy+/wg9OJeK2pBQ3"
        "tirIaJrpu3SgzlPg+/E4SMhgsqvLzm7RUHh3/wN2tJ477UJ5v052O5H/qwWhhPmTqe0v"
        "a5yMUR0Vlx36hK2bMSWIkMj2jWgaWKXf74L11ziQ9V5NnNYvRbrukfW/ki7jXLtxJxzP"
        "Q0D5fVBfkj+YxBbxAul39ZdCUIJGWNqWNCxyzPZU/VksHfkmtWg1nMptLNm/NuXBOprH"
        "1rF+DPs+eUzugZNfYYPdq6GagBYiSArCY/ScgEs+YPbSgjCVBq7RDElyBlJ9KMagB0eV"
        "07SC4SMovS2mPpzzJkU0kJj9xKhbRTdP8gZ7fna9lVbuSRVJbGPMcTFR+Pwmi26bzU8d"
        "6/+GBm0n7rquSFekQRuz2JhGw3YlohJnXQh6xBRuPV5IANxsXW3dQoVD70Z54zEhZWZR"
        "F8yAWk01ukSdfM4vgjeg1+RtvTumsgO6oX3KxTXUuCNTX00Cv0Gyza5FLzm3gtigj1xp"
        "CxR1YfppE1b7N+coTQGdQKLOMhh1zENTRq8vFLKyMlkp8valfqONe0CHobP9jMr41Wte"
        "0caZZHchIV/bgj6acQBHuLBBDltoRCfPTUgigVKEQLoYf9rgh9fmehlQl+GWTL6vJ/sv"
        "w94h6pxWIZaY2Qxc4vJeUuNqJ3yETXN1LqyYp4RSPDDJJ7OM+762PuhhOwFV0m+2xXap"
        "2my0sV6vmIAJfyeUK/dT6io/56pMMidGkIZgo16PxbdTNZ/3PQGdyTNFElmeEvzWxxLI"
        "SEre/J/xrlPxxYW4ozLTLS3zkaVMGZgmzX5Bs2GFRhhBWRetBTS61MUNZqZN64tDylBe"
        "7ryVAqA2jafMxP/vSOmltl48QaAxXnjXQvOUVkS2dtDuP1QIw8PqDPald0RAikxcVaMj"
        "7kUJgS0gTiXy8XSQgPiLImkKm9DI2NTW++1qRcN/RJuZyhjDs6gHubvl8GrIKiq75p4K"
        "tuaC7tarsN1+JTo2GIaPyQaiSrHZa6iLte/mv9apb/8L2UVWPrGtXMeSv5PSS9wSEQ+m"
        "ULKP/TI0IF+tYZUjM5i/mWfxirLqT2HJ8wqU5BVkiDitX0Lmtf6Al/o8CjPN8wuTZwya"
        "QkKwAWzJEoYywbudu0BHImRfmyXlRdlRWnVj/gaL6G7rbVVzz5vqJ1eWYSwISkeqQEl2"
        "A2x1jZmBD979LFxgJjz9iW6raRCgUZ4sGKrmBw+UJE9OEiG/53ubTBRQ3iW6+hxRp3ie"
        "g1ZAZai/aY51fx9974LBWhC7C+G+LdSbPJhEdVRk4LClY4BrSFIwpG4msWvIpeW1C+DL"
        "EYqCgOMe/Wx25pK0psbjClQB58bkvE61ajbVGYykx8Oy2LuxagQVeeGqvktidKZUbVop"
        "S60ZPmu2SQbKavtcnS/qejMvzNBCCAvOMzajTKi4UpDmBjcGh407JBs+6BRcX8qcjgk7"
        "SJe4oec4HeRtt4hK1XS8gY9Np+WN+PPpPiMmExnegPv85zDsb6XyViNV5/ItTpggXo0t"
        "iaTQDQp4WUBMAo6jSM5uxIaY8B6Wr3y/QRwJ9+yCi8PLgCKlmxyLEBceL0peZB74OF1p"
        "2fzx8wR/dAas7cQsJ/GlHu5yiZRJd0CeP3yNh/sUXzCbOcP3NHP5k0mTWUVc7p4mFPP+"
        "bBveWNFngEh7yKBzeBpFgq662b97g1FBKlw2Memtq1EO+wCqc2ljvKSTqsc+fQX4GsOJ"
        "/JKUC6xGqjPNFdOg7l+lXVqPjYHhlOdptVOHK2LLaPH6Km1zYWZnBsVTBsqIcC3lQoeQ"
        "qLLPzbttI1m37Ph8HNoKptt03kkZSm94mR2XQ5/NekDtuPP7TeC/V4vOEFVTQwCiU/wz"
        "+cRnturs0QvcpQ3qSwYqLyORKP53p1OnDAUhjeSsFfKwC5AF12zjVIvD+vbvvWaTNuY8"
        "R77p3mBwboGS3CRBMwgmXnGkjelOi64Sj/s2P8WiFzVsGfh55Aaif/R1PmJCZkAobPtT"
        "DGHRXig4Up+CeNjl0dukpIIBuTCCAbWgAwIBF6KCAawEggGol+2WjMKqWlHbGGDgxvep"
        "n5sBVD996MfrzhfTzERmyMd0KqnzrWnhHNsamcI/LN5qb/ifT7SpMwiOdViRQ745cv+e"
        "hbuW67UWX88tvdKORwo65obSgCfqfWupzuWH4eUsa9yCWz5PR0BkBKyM2BqNRZ1WvSOC"
        "R9rJI0rRy9+7rpwCGUiLdloc8HqlmefqpAl4xMTzEkeHJ72BvNYRQHNgfkphSZYnOmfM"
        "iZbqoN8NX48EstgxMGVv/lYcKcPXU9NyWhCzzOVy5gRxqBm3Y/l3qNkj6CiGUtDG1bBh"
        "3PJYyc+NAtDl0zwKrwDgSRZCzZN/dL8odOviccQF0JvbXPR0/S9OK1mcr1Vanmm4indi"
        "cwJ0ZmVu653woyIFZ/BdCFLBZ7SRpz4ULUgmOpqNksZOkh/EJrOe55vm7SWxNAPrBefM"
        "DNyCNjpSOkGtgHldgsSdMLtAzkWnfexH2yeeWTzoxMxRsQqYwzSOQaxiA9ZFMRlPG6v4"
        "3p1UDFBJc5SX1bTM508Hd7jpwOaEfJZhSq3Vrmr5kK32b/pe0ZlJZK12WCI+bCTAcP2d"
        "7g==" },

    /* Windows SSPI as a Go program gets it (the Snyk CLI calls SSPI on
     * Windows): the same {MS-KRB5, krb5, NegoEx, NTLMSSP} list and an AP-REQ
     * (realm HAMMER2.SNYK.IO), kept in the CLI's Go tests.
     * Source: snyk/cli, cliv2/internal/httpauth/spnego_test.go at 467b621f8
     * (2022; the file was removed in da9c1fb0a). */
    [FT_GO_SSPI_KRB5] = { "snyk-go-sspi-krb5", 2110,
        "YIIIOgYGKwYBBQUCoIIILjCCCCqgMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYB"
        "BAGCNwICHgYKKwYBBAGCNwICCqKCB/QEggfwYIIH7AYJKoZIhvcSAQICAQBuggfbMIIH"
        "16ADAgEFoQMCAQ6iBwMFACAAAACjggXwYYIF7DCCBeigAwIBBaERGw9IQU1NRVIyLlNO"
        "WUsuSU+iMTAvoAMCAQKhKDAmGwRIVFRQGx5FQzJBTUFaLXZ1SGxOUS5oYW1tZXIyLnNu"
        "eWsuaW+jggWZMIIFlaADAgESoQMCARGiggWHBIIFg+D23RW9siubTtOIG40J97PP44yP"
        "8iJ77Sl7k/5D4m+DMENFD1yfxY6JbJYHA34EF0TbE4/Dz+OTSWOS8vPACYiunkZrEbtH"
        "a6gx2K+Lp4ogo0UVmPfRjkokvFZNgeRfDYhCg3WPXffuQOpcT209gz/StKRQtaE7O5Ty"
        "PIbWpzXjtxyuIWisLM5G5OgR4nOPJ+8VGwA6DEP/xOfzOheqmGELv+/14uY1SeI2EiqZ"
        "DpQVl/ZP0p6MkxyR3I0o1xn7u2jgQfMnlN1hFcTwi6lfh1XoPT+3ZeIOc8J/DS74vX2j"
        "Elpl6gqBC4vB5FrcB7do4L2XI6bUfgiNT9uhpgcb0kOu4D2sPQaI3/TDPByknJCPK6Yk"
        "VlO/l1cXJ158uebfLWWUgbK4XJjLU9K7tk2wqtNvdkmEXkJOcbHFvo+4Bda1OhcgFvpj"
        "uCSscSLjnK2PwZv51qlA3ozK93v/1wjAWJrgGTu9KB5MraZzWZF8XZz+yrWP710WZ35o"
        "hHoR2tFK8GdukoH1ZO0jts0VT/W0zk+SyatJ3TAev/HU6R7sTKF/x8pSTlzOa9La7gyu"
        "HKOUxUlkt23YJvZKQgdEu/585iGy0o0w3MwVWb3CsLxr2URjc9Z4r693YNBdQ2xPjDdL"
        "2pzvaMnswHr97mOR1fnemuIDkL26wKKjKzPdhNqB0aed1z/saYou/5nkDAfGjMzI4Pw5"
        "8zUHgOiOzwuAZF5bjKUMn5kQcarRNGVuZFJ6jB89r1JuHt/HUQ1Ie5ZsYIq1oPGyeCZy"
        "40EwOHpuy9Ks88BnzNfi7kMgb8FKgZL1nGzR4rqucQn6OGjdwFXk2624b/JYztPlsmRr"
        "zsHXp6lampUxxDQN5KqYPzAawC6/G5SdqFw3Wf8rDW9b+claN3dzEj8kAHHlqrJx4By5"
        "X+HTwspHtZNCCOwrJp7rcXw1+5sLdx/XAYI3rSFaIAO9VlZe5E1uml/uToawlWZ5phtO"
        "2H5GwxadtG0vIw8MdFpy2UiEocYZuE1aCHYCLjXZokl4tsqIeXndsEgCWq5IpZ2PLQr1"
        "4XUQHjOu8y2tPpw3sklxBIgXxt1sSpjOWMLROPXkJRI2QriVuhoOoGgIyi4wKbTC0f0t"
        "BDjv2AGKYmOZpaHW8hGyJ4YzTkxq+eGL5aLy457Ag6JtAIkUW9RUiFIMQoIKdq0TP/87"
        "5qcE3xFjoRrS46e4P38IfXEmpRmJih1f4/R0nPZ3sgisgnK2LthxzUuewzBTxghadmLt"
        "j0QopOv/uCaFhwObxuE7hzVjriQnIl1rw/rpL+4aNZpinexGXtW7lawi/M4ANJPAusDx"
        "J1A2AeoWtcf7AzLACHK/3RUAXRfrhdzoEh1Lt+tC2LM0qUdASxJ+UgZoABqg49feQ1Tf"
        "ByHxE/H0aJOEL81TDkqfVr59LMTtxPiYsMWm2uKXQIxiyydGYLKQhPm3GoCW0JZfgjm/"
        "tmsKG0dNPgruVjJz52zvgy5+5rYqmTBUeJRnT3zigT7ZVbmiHqeQJndMcMvLcrl3Z7o7"
        "OsMuynCyNMccfhtLlMQgwPhMGuRDZsNDwnduJk4jzg/qgP1fLvCTS22kegaF/+tIM3A4"
        "cyh7SJugkP7jN/P2OzFZV11XG8LO0GCvLVq3XYGU3v20lSpIEGJfcY6utJ4e+ButmDj7"
        "tw4IxFJxkoM4ciee/rLzzQD8BaOuqvofcTwQgWBEuHYPs5m4rHFE7xwLLiIIwlOD6NF7"
        "LSSztC/y9eV+Jdd9CuyuqqqOGLLw+E0jW9eXm1RukOqwue7r3109+USkF+ebA3SiTwGZ"
        "wwXVLb3KptA3KCygZZAlfAsvK3UO96tXCYxEk6M/QIMtyt5xXwrrKtNW3HF3okqGAWOl"
        "hyUPq1W3wHS1zeMow+GkggHMMIIByKADAgESooIBvwSCAbuire4ijXcXCqxnXhwOxHBH"
        "AML3kvrdUnrAm2egVIRFxo22U5/yE4fCU8nsDty14GyXtDyZmabSXFU3WMSruXs7vkld"
        "QiCj0n7+jwFRKbtgBh6+bk0JP+sMK8vIHe1/TCNjiSpyJY2Xj69qyG4y3uYmr77DR17C"
        "EFnDbnlPFwrVC2zTWUDfDx/p98/d3Z7cQ3JnfdX8SRmM2zJv9pJ1hWNe73moYY1940TJ"
        "msYRq3eFr+BxfvvQabDoc1BC7n+1weNUxhZf9SVUl8WFElICazqhwDic//wfuc9qV3oa"
        "ypIKhykmThXJddsqlckMbcKQjEO8CC1nnUnbU4WeQO0+c8sQrzcHCZQqdGv+5N4XBQ+A"
        "Av4p0K+o35OLqg+P+rsxC01ug4m2Q5AwL65dz3Wpa4j8MBTFTIo6RI3Hr/i2Li3MsPkx"
        "J78eFWnoHgaDz+ULQ2HxkvQDTaAlQs4EN86FxlLJ1CYyN+aYtbiiBCO7O7AgwzLN3YPo"
        "F9kkszeKFqamsy2wZ6j5Lqte/04piZkY18EZ6z5XkrT+enntabIyi9qkgvHh+VDmV7NX"
        "nzjrJ/6GLwNQuNx+Vq7FJwR6lw==" },

    /* Windows SSPI without NegoEx in the list: {MS-KRB5, krb5, NTLMSSP} and an
     * AES256 AP-REQ (realm DOMAIN.COM).
     * Source: dotnet/Kerberos.NET, Tests/Tests.Kerberos.NET/Data/aes256-spnego-data. */
    [FT_WIN_KRB5_NO_NEGOEX] = { "kerbnet-aes256-spnego", 1810,
        "YIIHDgYGKwYBBQUCoIIHAjCCBv6gJDAiBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYB"
        "BAGCNwICCqKCBtQEggbQYIIGzAYJKoZIhvcSAQICAQBugga7MIIGt6ADAgEFoQMCAQ6i"
        "BwMFACAAAACjggV4YYIFdDCCBXCgAwIBBaEMGwpET01BSU4uQ09NoikwJ6ADAgECoSAw"
        "HhsESFRUUBsWc2VydmVyLnRlc3QuZG9tYWluLmNvbaOCBS4wggUqoAMCARKhAwIBBaKC"
        "BRwEggUYtVBIZYNmQjtO7rPHpkcCVuSWTmIbKAofZmyuCvwFZyr6PW3b8aiYwEgaqIEW"
        "AEH8l+2mswK+48iN17zI+d+wPZzR2lEA+PtCpErQSIueR2Hl7b504dXGhTabGu8I/k6S"
        "z3tqfAR6nbHftTzu9+TxFKesCsUB7qhN83APkkGxWj1pWarFj+WZWB2QB+L9PGjaX2Bd"
        "dhIZ1mOaHR2np+kA23H4SnaypQN0h+2iaR+RNnO8SgTb9dUGuNK9gUDBS8Igcme8E8uz"
        "AAmFedyzQX2vYrmsc/cinoZm6Bnk5mI7h5AyAmZp+pVk7RIoCOVN0zOgfcevM0raY4NU"
        "u0yDqn81S+W70U0tCJSqq3/nJ6YDad05liPqlD/MVc9vXzd2amGDuUyDbEtOugjMcAtn"
        "1/s3dkou7OHFZAOO8l5QrU2CATU6WWbAOMC5Afjf759Tul33ry93fd0PJeW7PPyAyftn"
        "V8qxa6NaXs5bgYKsOsJ+AtD20Auw2e0dLNor/BqSmANbcunBfjp/wN+4HM1tDi+AKVY8"
        "LS1b3HFeEO57adU1dSyH1uDxD3wfgMgFASblc+TY+lhnXBk+4dB5CwfPDgcib9p50OeW"
        "b0JMv2cAPznFRCGQT2ffIkAbcqQayuUniBLAk1uIBjay7l9vmJC5MPa6h3PY0G1i/d6Y"
        "KZ8b0emQhVdeAc5q4/0sfL0itIcC+xiwYMJH/MhYZo7jC0YuBBzaAGhALPCBdEwvQItZ"
        "mJ8FL09tIEsSCD1OTv5DPha/3omx/afnVCG1xnWrFQjVyGaf5qcgHLvMjgJQUPV7Gg/q"
        "Xzc0UtTo2YoBXvVzCeJtRvvWZSG0ensM29HYkQ3DOjUzSfcyD3F2WBfUOJ6Q87zcqY3l"
        "PjEB1oADr6N2fU4VRGe1eu2LRZ3eg+jlujGI/xaThgu/Yxb8KWR5fla9uTtcvw04SwfG"
        "roK3JEchCjwn8xOJpA/IvxJO+LPUMn2TmYF1Cuy/QoNP9Qw2e/LMqIyKPJEqAWkkZ/1P"
        "2ptJ50SZctCc2z2/raEUJkUsmWqFbOvI27cBrNDxlRJ1C7oUiZm5A7wpG2lD6+rK+4KH"
        "7nXIZ6st5n0uEBZMc7qbg4v73gRZHFBO9JKqluTk6hOs2VeROHkEDhitASXwolLGqjZ1"
        "R9/0tY8dGMqVUSPvG7zUtzdq2AQ/8tDkIWKQqEd1xvgJOfpDGcLlFV1A0T2aO3N3kX0i"
        "x6c8TxaVV7MwVFi9TWASQs/HTwa/TAdooudNfLU+rcWBRaevICTVcd589guUnlGGorzM"
        "KGOcPCuMMtYB19LaDfi855CFVrkSzTWhVTquFw0v4MTCh7Y6ORfQnoLjlRXTQ/NHPQhq"
        "QFQ9wFHa+T7AYShC5nQBefZ8FVVy7KzPw8Lg12YBPoyya63ojoTCnLY7bOQGXSxLJ9S/"
        "yOtrH1g97eE98SrY3bg7jLmnp8geUwSb/QjGr1/njM03iidEZkPwvX/hylr2mmb2WRSN"
        "F+2Dv5nFanjg4msW7+zRFPlx5PnlDA6f+XIb57+cvRFAvRkvbSSHyQIxr5JWrhSSvjc3"
        "H1xuAcxVlvt7MLfb+eGUrGMWDuZoN+0hM/HhVJavru8NUbohEPUFCRoXNAo26vggFzc3"
        "KPUGVQYJ7Jl88DHCwjUZfSsJdjibClvq/AMJl6SUt0lDkOE3lyXU++3GyYfTWBbrd6K5"
        "iF+RIijnH6X96d+LIoasbK8UMxR3QY9abh3mAml1Si4sgQakggEkMIIBIKADAgESooIB"
        "FwSCARPMzWdFi1QrYpB5RuMjkUJRR3B0JGXYz7qilC82MwLi4uXGs6cqRrgFWPWpMWml"
        "lRdLiPQpKYy3DD2N2oC6qkfEF0wKj2sXFgQkUDgDr8qh8Vw4olt6OguTKZlZZ2d9MQ6q"
        "VwyNtmOjdQ8ZWPzbjAzUBQHrTkKnpcYdPKQXt2Dtq5SG/Kt7wtjIum0YIhj8d3z5uxPz"
        "9BiVHfJueSpGQcxFFX8Yz/XLxmC01ZYZAhPijT4C/csovwPF7wXwdm4iRWcKhJPlV0XK"
        "FvNSnD8IDiGfMndpsi/f/GKutecXtYXlolX6AxM6lUOkCf25zFyv3LjLaVbyDImew2PS"
        "0qEpj1aLZC4mov2CA8K9od5kFhKpsfHXaQ==" },

    /* Windows 10 with PKU2U ("MS-Organization-P2P-Access" certificate):
     * NegTokenInit {NegoEx, NTLMSSP} whose mechToken is NegoEx's own
     * INITIATOR_NEGO + INITIATOR_META_DATA ("NEGOEXTS" messages), no Kerberos.
     * Source: dotnet/Kerberos.NET, Tests/Tests.Kerberos.NET/NegoEx/NegoExTests.cs
     * (NegoExStart). */
    [FT_WIN_NEGOEX_FIRST] = { "kerbnet-negoex-init", 375,
        "YIIBcwYGKwYBBQUCoIIBZzCCAWOgGjAYBgorBgEEAYI3AgIeBgorBgEEAYI3AgIKooIB"
        "QwSCAT9ORUdPRVhUUwAAAAAAAAAAYAAAAHAAAAApPlDFQtzzkyZf8n2/xHwRyG5IBp4o"
        "THobhammNhN8W4rI6HvHIOZ0VoatafBKCREAAAAAAAAAAGAAAAABAAAAAAAAAAAAAABc"
        "M1MN6vkNTbLsSuN4bsMITkVHT0VYVFMCAAAAAQAAAEAAAADPAAAAKT5QxULc85MmX/J9"
        "v8R8EVwzUw3q+Q1NsuxK43huwwhAAAAAjwAAADCBjKBVMFMwUYBPME0xSzBJBgNVBAMe"
        "QgBNAFMALQBPAHIAZwBhAG4AaQB6AGEAdABpAG8AbgAtAFAAMgBQAC0AQQBjAGMAZQBz"
        "AHMAIABbADIAMAAxADgAXaEzMDGgERsPV0VMTEtOT1dOOlBLVTJVoRwwGqADAgGAoRMw"
        "ERsPZGVza3RvcC1tOHFuYjAx" },

    /* Windows asking for user-to-user Kerberos: a raw GSS token with the
     * krb5 user-to-user OID 1.2.840.113554.1.2.2.3 around a KRB_TGT_REQ
     * (RFC 4121's TOK_ID 04 00), sent when the SPN belongs to a user account.
     * Source: dotnet/Kerberos.NET, Tests/Tests.Kerberos.NET/NegoEx/NegoExTests.cs
     * (U2UStart). */
    [FT_WIN_U2U] = { "kerbnet-u2u", 89,
        "YFcGCiqGSIb3EgECAgMEADBHoAMCAQWhAwIBEKIaMBigAwIBAaERMA8bDWFkbWluaXN0"
        "cmF0b3KjHxsdY29ycC5pZGVudGl0eWludGVydmVudGlvbi5jb20=" },

    /* Windows 10 1803 (Version 10.0.17134) with no Kerberos ticket (workgroup
     * machine DESKTOP-Q8RE0UE): NegTokenInit {NTLMSSP, MS-KRB5, krb5, NegoEx}
     * with a 64-byte NEGOTIATE carrying OEM domain and workstation strings.
     * Source: dotnet/Kerberos.NET, Tests/Tests.Kerberos.NET/Ntlm/NtlmTests.cs
     * (SPNegoNtlmStart). */
    [FT_WIN_SPNEGO_NTLM_FIRST] = { "kerbnet-spnego-ntlm-first", 133,
        "YIGCBgYrBgEFBQKgeDB2oDAwLgYKKwYBBAGCNwICCgYJKoZIgvcSAQICBgkqhkiG9xIB"
        "AgIGCisGAQQBgjcCAh6iQgRATlRMTVNTUAABAAAAl7II4gkACQA3AAAADwAPACgAAAAK"
        "AO5CAAAAD0RFU0tUT1AtUThSRTBVRVdPUktHUk9VUA==" },

    /* Windows 10 1803: raw 40-byte NEGOTIATE, flags 0xe2088297, Version
     * 10.0.17134. Source: dotnet/Kerberos.NET, Tests/Tests.Kerberos.NET/Ntlm/
     * NtlmTests.cs (NtlmStart). */
    [FT_WIN_NTLM_TYPE1] = { "kerbnet-ntlm-type1", 40,
        "TlRMTVNTUAABAAAAl4II4gAAAAAAAAAAAAAAAAAAAAAKAO5CAAAADw==" },

    /* Windows 7 (Version 6.1.7600) SSPI, workgroup machine DBLOCK-GREEN:
     * NegTokenInit {NTLMSSP, MS-KRB5, krb5, NegoEx} with a NEGOTIATE.
     * Source: Waffle/waffle, Source/JNA/waffle-jna/src/test/java/waffle/util/
     * Base64Tests.java as of a9d6ae91d^ (removed in a9d6ae91d, 2014). */
    [FT_WIN7_SPNEGO_NTLM] = { "waffle-win7-init", 129,
        "YH8GBisGAQUFAqB1MHOgMDAuBgorBgEEAYI3AgIKBgkqhkiC9xIBAgIGCSqGSIb3EgEC"
        "AgYKKwYBBAGCNwICHqI/BD1OVExNU1NQAAEAAACXsgjiCQAJADQAAAAMAAwAKAAAAAYB"
        "sB0AAAAPREJMT0NLLUdSRUVOV09SS0dST1VQ" },

    /* The same Windows 7 client's next leg: a bare NegTokenResp
     * {accept-incomplete, AUTHENTICATE, mechListMIC} whose AUTHENTICATE is
     * empty (no user, no responses, no ANONYMOUS flag, flags 0xe288c215 with
     * 0x4000, which Samba calls NEGOTIATE_THIS_IS_LOCAL_CALL: client and
     * server were one machine) but for its Version and MIC.
     * Source: as FT_WIN7_SPNEGO_NTLM (testBase64DecodeEncode2). */
    [FT_WIN7_SPNEGO_ANON] = { "waffle-win7-anonymous", 121,
        "oXcwdaADCgEBoloEWE5UTE1TU1AAAwAAAAAAAABYAAAAAAAAAFgAAAAAAAAAWAAAAAAA"
        "AABYAAAAAAAAAFgAAAAAAAAAWAAAABXCiOIGAbAdAAAAD0K5dZi6NldppxCrei9fHUGj"
        "EgQQAQAAAPUXp1AtIpqEAAAAAA==" },

    /* Windows 7 SP1 (Version 6.1.7601) SSPI: {NTLMSSP, MS-KRB5, krb5, NegoEx},
     * NEGOTIATE with OEM domain and workstation. Source: Waffle/waffle,
     * Source/JNA/waffle-jna/src/test/java/waffle/util/AuthorizationHeaderTest.java
     * (SPNEGO_TOKEN). */
    [FT_WIN7SP1_SPNEGO_NTLM] = { "waffle-win7sp1-init", 120,
        "YHYGBisGAQUFAqBsMGqgMDAuBgorBgEEAYI3AgIKBgkqhkiC9xIBAgIGCSqGSIb3EgEC"
        "AgYKKwYBBAGCNwICHqI2BDROVExNU1NQAAEAAACXsgjiAwADADEAAAAJAAkAKAAAAAYB"
        "sR0AAAAPR0xZQ0VSSU5FU0FE" },

    /* The classic 49-byte NEGOTIATE of Eric Glass's NTLM write-up (an old
     * Internet Explorer): flags 0x00003207 (UNICODE and OEM both offered), OEM
     * "WORKSTATION" and "DOMAIN" right after the 32-byte header, no Version.
     * Source: Waffle/waffle, Source/JNA/waffle-jna/src/test/java/waffle/util/
     * AuthorizationHeaderTest.java (NTLM_TYPE1_TOKEN). */
    [FT_OEM_TYPE1] = { "waffle-oem-type1", 49,
        "TlRMTVNTUAABAAAABzIAAAYABgArAAAACwALACAAAABXT1JLU1RBVElPTkRPTUFJTg==" },

    /* An SMB client's NTLM in SPNEGO (Version 6.1.7600; the client is not
     * named): NegTokenInit {NTLMSSP} with a NEGOTIATE.
     * Source: cryptomator/jsmb, src/test/java/org/cryptomator/jsmb/asn1/
     * NegotiationTokenTest.java (testParseNegTokenInit). */
    [FT_SMB_SPNEGO_NTLM] = { "jsmb-init", 83,
        "YFEGBisGAQUFAqBHMEWgDjAMBgorBgEEAYI3AgIKojMEMU5UTE1TU1AAAQAAABWCCGIA"
        "AAAAAAAAAAAAAAAAAAAABgGwHQAAAA9XT1JLR1JPVVA=" },

    /* Its AUTHENTICATE leg: NegTokenResp without negState, an NTLMv2
     * AUTHENTICATE with Version and MIC (payload at 88), MsvAvFlags = 2,
     * MsvAvTimestamp, MsvAvTargetName "cifs/local", user "asd" in WORKGROUP,
     * an empty workstation, and a 16-byte mechListMIC.
     * Source: as FT_SMB_SPNEGO_NTLM (testParseNegTokenResp). */
    [FT_SMB_SPNEGO_AUTH] = { "jsmb-auth-mic", 328,
        "oYIBRDCCAUCiggEoBIIBJE5UTE1TU1AAAwAAAAAAAABYAAAApACkAFgAAAASABIA/AAA"
        "AAYABgAOAQAAAAAAABQBAAAQABAAFAEAABWCiGIGAbAdAAAAD7oNTY4aRdZN+uXC3+qI"
        "gCt7I4DfQmWtyZl91UI8pe/QAQEAAAAAAABgN1xH5uPaAcDbUVXGHngoAAAAAAEAFgBj"
        "AHIAeQBwAHQAbwBtAGEAdABvAHIAAgAKAGwAbwBjAGEAbAADAAoAbABvAGMAYQBsAAQA"
        "CgBsAG8AYwBhAGwABwAIAGA3XEfm49oBBgAEAAIAAAAJABQAYwBpAGYAcwAvAGwAbwBj"
        "AGEAbAAAAAAAAAAAAFcATwBSAEsARwBSAE8AVQBQAGEAcwBkACnER2xPGI1iB/5mmif3"
        "9SqjEgQQAQAAAH5iBqLzaytGAAAAAA==" },

    /* pyspnego's own SPNEGO layer: NegTokenInit {krb5, NTLMSSP} with an AP-REQ
     * (realm DOMAIN.LOCAL). Source: jborean93/pyspnego, tests/data/
     * initial_context_token_neg_token_init. */
    [FT_PYSPNEGO_KRB5] = { "pyspnego-init", 1433,
        "YIIFlQYGKwYBBQUCoIIFiTCCBYWgGTAXBgkqhkiG9xIBAgIGCisGAQQBgjcCAgqiggVm"
        "BIIFYmCCBV4GCSqGSIb3EgECAgEAboIFTTCCBUmgAwIBBaEDAgEOogcDBQAgAAAAo4IE"
        "V2GCBFMwggRPoAMCAQWhDhsMRE9NQUlOLkxPQ0FMohcwFaADAgEDoQ4wDBsEaG9zdBsE"
        "ZGMwMaOCBB0wggQZoAMCARKhAwIBBqKCBAsEggQHF5bDD8bdXBrlIu4x2uht9LojjmLR"
        "/mwKyI43aoPwzzlB7bEpVvGGlulCpHyyLZAoyFrgpciuAMbz5M88IKGXXRNWvvvRh6QF"
        "JOd7Ptn+aJX1hcXLHBOD8nLoRzrfy35mdMmNi7HGHjD37MkNhfzfumYoufaAZLaK09Xf"
        "CvSgIDFpvg6calyoIEwSLp40nRjdZxc/nSNOgu8vy+0SI3dWol2A/eNQMZDEyRh37OeU"
        "l8d9w3VwjabBlVEnrn0pJHXLv0Qd8h2NMlS73s2WxbN/5pBAOihPBbqYEihyuPDJKH0I"
        "v/ut02ILvk59OhMGam0nvvdCX6XWjIeUD4yzLf+mw8dKFrZNN9V0sr8irNw75aowNDxF"
        "u+HGYXmNHzdbHXJov+YeinsJkyqmrCfNTtcIXQX9VebPUH+IbxOUNdHbQXbOG5runjxq"
        "ajT3djiuBqE35IgvyWejZFEVstjUHu8e+nwpPCFbQ8LE+e/QUGmD6zAE1U9X98UQiSBA"
        "1QeGGoblylnm5dCBQiZ16PbzESNJnGulTdTU058nXoTKsqb8z+6vpzX/FMxoI83QmfVC"
        "Y1VdGZjFEAoQPTHcXCYINkSxtQmBY3NvJCaI13rfOSiP+GTFFLneQ/NYXGzSZV3lDexC"
        "yQpUU9sh70pkfXoclxEOUg3QDYqmpUkozAHzVI01TLAgruJouCn6I7SZaNLnmcFoKGPV"
        "Vcut3M8GFF2JwwjaN1jx1cBouzf30uGWS5l2I8r/YI1cl/LIwsTwYg9BlZbcNLayO6EN"
        "vbwfbcbhuc02AXLOek1xa4fHXkxf66vX5qa4cdmsVPSSapgg8zqwkRGBcmMmtXD2djfq"
        "AWCh62lrSuILqhmt6LM6rgTw9BSNcusBAvi1AIa45c8q/dfv5oJfj4E0mcYmOsSRNU+Z"
        "bGvzUPiZGg8REV8u1xAdAb+HykTzc+4BhVpfDpuZK1opYEs9Rk0p+JAyvoKtwC6T4wIf"
        "y3Sv3EybQbvXEpza+TPin7UT4/IgeztJiTE06XpPfW6cAWxl4zFfYYM2mQzUedp0iefb"
        "/SwHwvB9Jkoq+2jplKFHpOB0zaXKyZpn3l4KRKB8m7i4d1lVI+qNNnZ5A0dV4Meb73rL"
        "sQRcEPcLXP3GTysfeF/H76zBXo+2boQwCitGY8G6Wz7CsoAXYDwMwAvgDej4KMEdH3k2"
        "XHexDrzqF72U4YO5N1+Z4plT9Vb7Mic9Y2FHAsedmt5XqH5rOay0SslX+seZw/8iJeyB"
        "utBAOHtVvdBVspBOdr5Ae7SMQ8VMTOSCSqQKstSbLB+LHuZ5xjGk3cyJGRvVTfJ/D5aq"
        "3Puk0LbpOQCR3/9kHuY18FxnvB7bfxeWzdy02yHWmIX4wCDv32gbc4ukgdgwgdWgAwIB"
        "EqKBzQSByvKnTT2k0bVWFH3kjSXfAdrFbBkAOpqLqwhJVAdpBZDtX8iIzZVi9G8f/qCR"
        "+8AAbw+RwJTbOdhkDxxMmr7OklLr5jGFUggkE4uhibnTzG9QvYfWUQ+ghOirllNQzc31"
        "yDub48vxngddVkZoShD6Zkp7WdJUG9cQoGzf4xtjWQewXUevoQJetl2SX7AEShRkABFL"
        "97kt5xReoknEEeXLKraBxEXWNzm0LrtxZcPGn5ZMPVv5Dola9tsS8SlEJ3tFVlbvb4PV"
        "l8VTXJw=" },

    /* The server-initiated NegTokenInit2 of [MS-SPNG] 2.2.1 as Windows sends
     * it: {NegoEx, MS-KRB5, krb5, krb5-U2U, NTLMSSP} and negHints [3] with
     * hintName "not_defined_in_RFC4178@please_ignore". Source: jborean93/
     * pyspnego, tests/data/initial_context_token_neg_token_init2. */
    [FT_SERVER_INIT2] = { "pyspnego-negtokeninit2", 120,
        "YHYGBisGAQUFAqBsMGqgPDA6BgorBgEEAYI3AgIeBgkqhkiC9xIBAgIGCSqGSIb3EgEC"
        "AgYKKoZIhvcSAQICAwYKKwYBBAGCNwICCqMqMCigJhskbm90X2RlZmluZWRfaW5fUkZD"
        "NDE3OEBwbGVhc2VfaWdub3Jl" },

    /* An acceptor's final NegTokenResp {accept-completed, supportedMech krb5,
     * AP-REP}. Source: jborean93/pyspnego, tests/data/neg_token_resp. */
    [FT_SERVER_RESP_KRB5] = { "pyspnego-resp-krb5", 186,
        "oYG3MIG0oAMKAQChCwYJKoZIhvcSAQICooGfBIGcYIGZBgkqhkiG9xIBAgICAG+BiTCB"
        "hqADAgEFoQMCAQ+iejB4oAMCARKicQRvcGdflKyFas/BTPTdRhe5bH+QBkTNn6EN1NAA"
        "wl9d3e/rnOG/4+ZVRCPNkg0oYfqJ+yi/sgscxeLxyKS/cr0Mkwys4Jhy5B8osak6GHfE"
        "xwHjOmgl+S6S7oKiMz57ZL/lWSssadrLE20yTv1zFzQQ" },

    /* Windows (Version 10.0.17763) raw NEGOTIATE, flags 0xe20882b7.
     * Source: jborean93/pyspnego, tests/data/ntlm_negotiate. */
    [FT_WIN2019_TYPE1] = { "pyspnego-win-type1", 40,
        "TlRMTVNTUAABAAAAt4II4gAAAAAAAAAAAAAAAAAAAAAKAGNFAAAADw==" },

    /* A Windows Server 2016 DC's CHALLENGE (Version 10.0.14393): TargetInfo
     * NbDomain DOMAIN, NbComputer DC01, DnsDomain, DnsComputer, DnsTree,
     * Timestamp. Source: jborean93/pyspnego, tests/data/ntlm_challenge. */
    [FT_WIN2016_TYPE2] = { "pyspnego-win2016-type2", 206,
        "TlRMTVNTUAACAAAADAAMADgAAAA1goni5BAQFM+KkL4AAAAAAAAAAIoAigBEAAAACgA5"
        "OAAAAA9EAE8ATQBBAEkATgACAAwARABPAE0AQQBJAE4AAQAIAEQAQwAwADEABAAYAGQA"
        "bwBtAGEAaQBuAC4AbABvAGMAYQBsAAMAIgBEAEMAMAAxAC4AZABvAG0AYQBpAG4ALgBs"
        "AG8AYwBhAGwABQAYAGQAbwBtAGEAaQBuAC4AbABvAGMAYQBsAAcACAD4gZKImR7WAQAA"
        "AAA=" },

    /* pyspnego's NTLM answering FT_WIN2016_TYPE2 (workstation JBOREAN-LINUX):
     * Version 6.2, no MIC (payload at 72), user in UPN form with an empty
     * domain, MsvAvFlags = 0, MsvAvTimestamp, MsvAvTargetName, an all-zero
     * MsvAvChannelBindings. Source: jborean93/pyspnego, tests/data/ntlm_authenticate. */
    [FT_PYSPNEGO_AUTH] = { "pyspnego-type3", 420,
        "TlRMTVNTUAADAAAAAAAAAEgAAAD8APwASAAAAAAAAAAAAAAANgA2AEQBAAAaABoAegEA"
        "ABAAEACUAQAANYKJ4gYCAAAAAAAPxUPMDRoPvZ7AXhqrB3GxJAEBAAAAAAAA+IGSiJke"
        "1gHcWnRzrFZy/AAAAAABAAgARABDADAAMQACAAwARABPAE0AQQBJAE4AAwAiAEQAQwAw"
        "ADEALgBkAG8AbQBhAGkAbgAuAGwAbwBjAGEAbAAEABgAZABvAG0AYQBpAG4ALgBsAG8A"
        "YwBhAGwABQAYAGQAbwBtAGEAaQBuAC4AbABvAGMAYQBsAAYABAAAAAAABwAIAPiBkoiZ"
        "HtYBCQAiAGQAYwAwADEALgBkAG8AbQBhAGkAbgAuAGwAbwBjAGEAbAAKABAAAAAAAAAA"
        "AAAAAAAAAAAAAAAAAAAAAAAAdgBhAGcAcgBhAG4AdAAtAGQAbwBtAGEAaQBuAEAARABP"
        "AE0AQQBJAE4ALgBMAE8AQwBBAEwASgBCAE8AUgBFAEEATgAtAEwASQBOAFUAWAA3ZdWv"
        "0T7Dpsl8BybOnzDJ" },

    /* pyspnego's NTLM to a stand-alone Windows server (WIN-MJ44NRDC217):
     * MIC at 72, MsvAvFlags = 2 placed last, MsvAvChannelBindings before
     * MsvAvTargetName "HOST/192.168.121.229", a 24-byte LM field.
     * Source: jborean93/pyspnego, tests/data/ntlm_authenticate_no_sign_seal. */
    [FT_PYSPNEGO_AUTH_MIC] = { "pyspnego-type3-mic", 440,
        "TlRMTVNTUAADAAAAGAAYAFgAAAAQARABcAAAAAAAAACAAQAADgAOAIABAAAaABoAjgEA"
        "ABAAEACoAQAABYKK4gAAAQAAAAAP/pNdyIt4KhwBrjllz3difQAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAMhMxfH1+DO/6grwQuwdWS8BAQAAAAAAAGv0jYZdNdYBhv0LNLnwiuYA"
        "AAAAAgAeAFcASQBOAC0ATQBKADQANABOAFIARABDADIAMQA3AAEAHgBXAEkATgAtAE0A"
        "SgA0ADQATgBSAEQAQwAyADEANwAEAB4AVwBJAE4ALQBNAEoANAA0AE4AUgBEAEMAMgAx"
        "ADcAAwAeAFcASQBOAC0ATQBKADQANABOAFIARABDADIAMQA3AAcACABr9I2GXTXWAQoA"
        "EAAAAAAAAAAAAAAAAAAAAAAACQAoAEgATwBTAFQALwAxADkAMgAuADEANgA4AC4AMQAy"
        "ADEALgAyADIAOQAGAAQAAgAAAAAAAAAAAAAAdgBhAGcAcgBhAG4AdABKAEIATwBSAEUA"
        "QQBOAC0ATABJAE4AVQBYAJLZNXZCE0POsZN6rUzXgRY=" },

    /* Java JGSS's shape, from Apache Hadoop's tests (which run on the JDK's
     * GSS): NegTokenInit {krb5} only, with reqFlags 0x76 (mutual, replay,
     * sequence, conf, integ), which neither Windows nor MIT send, and the AP-REQ
     * (HTTP/localhost@EXAMPLE.COM). Source: apache/hadoop, hadoop-common-project/
     * hadoop-auth/src/test/java/org/apache/hadoop/security/authentication/util/
     * TestKerberosUtil.java (spnegoDefault). */
    [FT_JGSS_SPNEGO] = { "jgss-hadoop-spnego", 525,
        "YIICCQYGKwYBBQUCoIIB/TCCAfmgDTALBgkqhkiG9xIBAgKhBAMCAXaiggHgBIIB3GCC"
        "AdgGCSqGSIb3EgECAgEAboIBxzCCAcOgAwIBBaEDAgEOogcDBQAgAAAAo4HrYYHoMIHl"
        "oAMCAQWhDRsLRVhBTVBMRS5DT02iHDAaoAMCAQChEzARGwRIVFRQGwlsb2NhbGhvc3Sj"
        "gbAwga2gAwIBEaEDAgEBooGgBIGdBWbzvV1RIqb7WuPIW3RTkFtwjU9P/oFAbujGPd8h"
        "/qkCszroNdvHhUkPntuOqhFBntMobilgTqNEdDUGvBbfkJaRklNGqT/IAOUV6tlGpBUC"
        "XquR5UdPzPpUvGZiVRUuFGH5DGGHvYF1CwXPp2l1Jq373vSLQ1kBl6TXl+aKLsZYhVUj"
        "KvE7Auippclbhv/GGGex/TcjNH48k47OQaSBvzCBvKADAgERooG0BIGxeChp3TMVtWbC"
        "dFGoYL+35r2762j+OEwZRfcj4xCK7j0mUTcxLtyVGxyY9Ax+ljl5gTwzRhXcJq0TTjiQ"
        "wKJckeZ837mXQAURbfJpFc3VLAXGfNkMFCR7ZkWpGA1Vzc3PeUNczn2DLpu8sme55HFF"
        "QDi/0akW6Lwv/iCrpwIkZPyZPjaEmwLVALu4E8m0Ka3fJkPVGAhamg9OQpuREIK0pCk3"
        "ZSHhJz8qMwduzRZHc4vN" },

    /* From the same test, a raw krb5 GSS token (krb5Default). */
    [FT_JGSS_KRB5] = { "jgss-hadoop-krb5", 476,
        "YIIB2AYJKoZIhvcSAQICAQBuggHHMIIBw6ADAgEFoQMCAQ6iBwMFACAAAACjgethgegw"
        "geWgAwIBBaENGwtFWEFNUExFLkNPTaIcMBqgAwIBAKETMBEbBEhUVFAbCWxvY2FsaG9z"
        "dKOBsDCBraADAgERoQMCAQGigaAEgZ23QsT1+16T23niJI1uFRU0FN13hhPSLAl4+oAq"
        "pV5s1Z6E+G2VKGx2+rUF21utOdlwUK/J5CKFHxM4zfNsmzRFhdk5moJW6AWHuRqGJ9hr"
        "ZgTxA2vOBIn/tju+n/vJVEcUvW0fDiPfjPIPFOlc7V9GlWvZFyr5NMJSFwspKJXYh/FS"
        "NpSVTecfGskjded9TZzR2tOVzgpjFvAu/DETpIG/MIG8oAMCARGigbQEgbGWnbKlV1oo"
        "7/gzT4hi/Q41ff2luDnSxADEmo6M8LC42scsYMLNgU4iLJhuf4YLb7ueh790HrbB6Kde"
        "s71/gSBiLI2/mn3BqNE43gt94dQ8VFBix4nJCsYnuORYxLJjRSJE+3ImJNsSjqafGRI0"
        "sp9w3hc4IVm8afb3Ggm6PgRIyyGNdTzK/p03v+zA01MJh3htuOgLKUOVz002pHnGzu/p"
        "urZ5mOyaQT12vHxJ2T+Cwi8=" },

    /* gokrb5's SPNEGO test token, made by an MIT initiator (MIT's list: krb5,
     * 1.3.5.1.5.2, MS-KRB5, IAKERB 1.3.6.1.5.2.5). Source: jcmturner/gokrb5,
     * v8/spnego/spnego_test.go (testGSSAPIInit). */
    [FT_MIT_VIA_GOKRB5] = { "gokrb5-mit-init", 698,
        "YIICtgYGKwYBBQUCoIICqjCCAqagJzAlBgkqhkiG9xIBAgIGBSsFAQUCBgkqhkiC9xIB"
        "AgIGBisGAQUCBaKCAnkEggJ1YIICcQYJKoZIhvcSAQICAQBuggJgMIICXKADAgEFoQMC"
        "AQ6iBwMFAAAAAACjggFwYYIBbDCCAWigAwIBBaENGwtURVNULkdPS1JCNaIjMCGgAwIB"
        "A6EaMBgbBEhUVFAbEGhvc3QudGVzdC5nb2tyYjWjggErMIIBJ6ADAgESoQMCAQKiggEZ"
        "BIIBFdS9iQq8RW9E4uei6BEb1nZ6vwMmbfzal8Ypry7ORQpa4fFF5KTRvCyEjmamxrMd"
        "l0CyawPNvSVwv88SbpCt9fXrzp4oP/UIbaR7EpsU/Aqr1NHfnB88crgMxhTfwoeDRQss"
        "e3dJZR9DK0eqov8VjABmt1fz+wDde09j1oJ2x2Nz7N0/GcZuvEOoHld/PCY7h4NW9X6N"
        "bE7M1Ye4FTjnA5LPfnP8Eqb3xTeolKe7VWbIOsTWl1eqMgpR2NaQAXrr+VKt0Yia38Mw"
        "ew5s2Mm1fPhYn75SgArLZGHCVHPUn6ob3OuLzj9h2yP5zWoJ1a3OtBHhxFRrMLMzMeVw"
        "/WvFCqQDVX519IjnWXUOoDiqtkVGZ9m2T0GkgdIwgc+gAwIBEqKBxwSBxOtZO+ta/LGi"
        "pmnVTLhaN3IjFVny1AyfjwU/IYum6whO1+/EZ9lLiLzRid2pINbmdewAGmoryhHwod43"
        "8veumSn5SobWJbLsGyE6iMuuYJndp7FyzTvRgCyxd65FVNWSdwBL/TQ1JI9VBE/nr3ss"
        "nFo8Q3YyeMWFOVrr4oVs3/nyVp2LgjVkzmvi0ZdIuRDsBr08CpvF3lHdz32HXxEIymrZ"
        "NfUtkMtioYGX2bjnlr7w++FGP2HfYc+85gCK6eGi0jFKmG0=" },

    /* gokrb5's server answers (Go): accept-completed with supportedMech krb5
     * and no token, reject, accept-incomplete with krb5. Source: jcmturner/
     * gokrb5, v8/spnego/http.go (spnegoNegTokenResp* constants). */
    [FT_GOKRB5_RESP_OK] = { "gokrb5-resp-completed", 22,
        "oRQwEqADCgEAoQsGCSqGSIb3EgECAg==" },
    [FT_GOKRB5_RESP_REJECT] = { "gokrb5-resp-reject", 9,
        "oQcwBaADCgEC" },
    [FT_GOKRB5_RESP_INCOMPLETE] = { "gokrb5-resp-incomplete", 22,
        "oRQwEqADCgEBoQsGCSqGSIb3EgECAg==" },

    /* Azure/go-ntlmssp's NEGOTIATE with domain MYDOMAIN and workstation MYPC:
     * the 8-byte Version (6.1.7601) is present although the VERSION flag is
     * not set (flags 0xa088b201). Source: Azure/go-ntlmssp, nlmp_test.go
     * (TestUsernameDomainWorkstation). */
    [FT_GO_NTLMSSP_TYPE1] = { "go-ntlmssp-type1", 52,
        "TlRMTVNTUAABAAAAAbKIoAgACAAoAAAABAAEADAAAAAGAbEdAAAAD01ZRE9NQUlOTVlQ"
        "Qw==" },

    /* Chromium's portable NTLM (Linux, macOS, Android; Windows uses SSPI):
     * the 32-byte NEGOTIATE, flags 0x00088207. Source: chromium/chromium,
     * net/ntlm/ntlm_test_data.h (kExpectedNegotiateMsg). */
    [FT_CHROMIUM_TYPE1] = { "chromium-type1", 32,
        "TlRMTVNTUAABAAAAB4IIAAAAAAAgAAAAAAAAACAAAAA=" },

    /* Chromium's AUTHENTICATE to the [MS-NLMP] 4.2.4 CHALLENGE with a client
     * timestamp and Extended Protection: zero Version, MIC at 72, flags
     * 0x00088203 (no VERSION flag), MsvAvFlags = 2, MsvAvChannelBindings
     * 6586e99d..., MsvAvTargetName "HTTP/Server". Its session base key is
     * 623dbd071be7a530b6a95c2eb4982470 and its MIC f7361633f0ad9bdf4a7c421bc6b824a3.
     * Source: chromium/chromium, net/ntlm/ntlm_test_data.h
     * (kExpectedAuthenticateMsgSpecResponseV2). */
    [FT_CHROMIUM_AUTH_EPA] = { "chromium-type3-epa", 286,
        "TlRMTVNTUAADAAAAGAAYAFgAAACKAIoAcAAAAAwADAD6AAAACAAIAAYBAAAQABAADgEA"
        "AAAAAABYAAAAA4IIAAAAAAAAAAAA9zYWM/Ctm99KfEIbxrgkowAAAAAAAAAAAAAAAAAA"
        "AAAAAAAAAAAAAIwCYNvvaQZir5xC1QeC0u0BAQAAAAAAAIALyP0A1NIBqqqqqqqqqqoA"
        "AAAAAgAMAEQAbwBtAGEAaQBuAAEADABTAGUAcgB2AGUAcgAGAAQAAgAAAAoAEABlhumd"
        "gcL8mE5HFy/U3QMQCQAWAEgAVABUAFAALwBTAGUAcgB2AGUAcgAAAAAAAAAAAEQAbwBt"
        "AGEAaQBuAFUAcwBlAHIAQwBPAE0AUABVAFQARQBSAA==" },

    /* [MS-NLMP] 4.2.2.3 (NTLMv1): CHALLENGE and AUTHENTICATE. User "User",
     * domain "Domain", password "Password", server challenge 0123456789abcdef;
     * 24-byte LM and NT responses, KEY_EXCH, Version 5.1.2600 on the
     * AUTHENTICATE. Transcribed in jborean93/pyspnego, tests/_ntlm_raw/
     * test_messages.py (test_challenge_unpack_ntlmv1, test_authenticate_unpack_ntlmv1). */
    [FT_MSNLMP_V1_CHALLENGE] = { "msnlmp-4223-type2", 68,
        "TlRMTVNTUAACAAAADAAMADgAAAAzggLiASNFZ4mrze8AAAAAAAAAAAAAAAAAAAAABgBw"
        "FwAAAA9TAGUAcgB2AGUAcgA=" },
    [FT_MSNLMP_V1_AUTH] = { "msnlmp-4223-type3", 172,
        "TlRMTVNTUAADAAAAGAAYAGwAAAAYABgAhAAAAAwADABIAAAACAAIAFQAAAAQABAAXAAA"
        "ABAAEACcAAAANYKA4gUBKAoAAAAPRABvAG0AYQBpAG4AVQBzAGUAcgBDAE8ATQBQAFUA"
        "VABFAFIAmN73uH+Iql2v4t93loihct7xHH1cze8TZ8QwEfMCmKKtNezmTxYzHES9vtkn"
        "hB+UUYgisbPzUMiVhoLsuz48tw==" },

    /* [MS-NLMP] 4.2.3.3 (NTLMv1 with extended session security): the
     * CHALLENGE (flags 0x820a8233) and the AUTHENTICATE (flags 0x82088235) whose
     * LM field is the client challenge aaaaaaaaaaaaaaaa + 16 zero bytes and NT
     * response 7537f803...3267232 (4.2.3.2.2); CHALLENGE as in chromium/chromium
     * net/ntlm/ntlm_test_data.h (kChallengeMsgV1). */
    [FT_MSNLMP_V1ESS_CHALLENGE] = { "msnlmp-4233-type2", 68,
        "TlRMTVNTUAACAAAADAAMADgAAAAzggqCASNFZ4mrze8AAAAAAAAAAAAAAAAAAAAABgBw"
        "FwAAAA9TAGUAcgB2AGUAcgA=" },
    [FT_MSNLMP_V1ESS_AUTH] = { "msnlmp-4233-type3", 156,
        "TlRMTVNTUAADAAAAGAAYAGwAAAAYABgAhAAAAAwADABIAAAACAAIAFQAAAAQABAAXAAA"
        "AAAAAACcAAAANYIIggUBKAoAAAAPRABvAG0AYQBpAG4AVQBzAGUAcgBDAE8ATQBQAFUA"
        "VABFAFIAqqqqqqqqqqoAAAAAAAAAAAAAAAAAAAAAdTf4A642cSjKRYIEvefK+B6X7SaD"
        "JnIy" },

    /* [MS-NLMP] 4.2.4.3 (NTLMv2): the CHALLENGE with TargetInfo NbDomain
     * "Domain", NbComputer "Server" and the AUTHENTICATE (84-byte NTLMv2
     * response, timestamp 0, client challenge aa..., 4 zero bytes after EOL,
     * KEY_EXCH; NTProofStr 68cd0ab8...6a1c, session base key 8de40cca...5ca3,
     * random session key 55...55). Transcribed in jborean93/pyspnego,
     * tests/_ntlm_raw/test_messages.py (test_challenge_unpack_ntlmv2,
     * test_authenticate_unpack_ntlmv2). */
    [FT_MSNLMP_V2_CHALLENGE] = { "msnlmp-4243-type2", 104,
        "TlRMTVNTUAACAAAADAAMADgAAAAzgoriASNFZ4mrze8AAAAAAAAAACQAJABEAAAABgBw"
        "FwAAAA9TAGUAcgB2AGUAcgACAAwARABvAG0AYQBpAG4AAQAMAFMAZQByAHYAZQByAAAA"
        "AAA=" },
    [FT_MSNLMP_V2_AUTH] = { "msnlmp-4243-type3", 232,
        "TlRMTVNTUAADAAAAGAAYAGwAAABUAFQAhAAAAAwADABIAAAACAAIAFQAAAAQABAAXAAA"
        "ABAAEADYAAAANYKI4gUBKAoAAAAPRABvAG0AYQBpAG4AVQBzAGUAcgBDAE8ATQBQAFUA"
        "VABFAFIAhsNQl6yc7BAlVHZKV8zMGaqqqqqqqqqqaM0KuFHlHJaqvJJ76+9qHAEBAAAA"
        "AAAAAAAAAAAAAACqqqqqqqqqqgAAAAACAAwARABvAG0AYQBpAG4AAQAMAFMAZQByAHYA"
        "ZQByAAAAAAAAAAAAxdrSVE/JeZCUzhzpC8nQPg==" },
};

/* The CHALLENGE/AUTHENTICATE pairs above, for the echo and MIC checks and
 * for fuzz_ntlm's split corpus entries. */
static const struct {
    int challenge, authenticate;
} FOREIGN_NTLM_PAIRS[] = {
    { FT_WIN2016_TYPE2, FT_PYSPNEGO_AUTH },
    { FT_MSNLMP_V1_CHALLENGE, FT_MSNLMP_V1_AUTH },
    { FT_MSNLMP_V1ESS_CHALLENGE, FT_MSNLMP_V1ESS_AUTH },
    { FT_MSNLMP_V2_CHALLENGE, FT_MSNLMP_V2_AUTH },
    { FT_MSNLMP_V2_CHALLENGE, FT_CHROMIUM_AUTH_EPA },
};

#define N_FOREIGN_NTLM_PAIRS \
    (sizeof(FOREIGN_NTLM_PAIRS) / sizeof(FOREIGN_NTLM_PAIRS[0]))

static inline int foreign_b64_value(char c)
{
    const char *alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(alphabet, c) : NULL;

    return p ? (int)(p - alphabet) : -1;
}

/* Decode token id into out (cap bytes); returns its length, or 0 when it
 * does not fit or the text is not canonical base64 of the recorded length. */
static inline size_t foreign_token_decode(int id, unsigned char *out, size_t cap)
{
    const char *s = FOREIGN_TOKENS[id].b64;
    size_t n = 0, bits = 0;
    unsigned long acc = 0;
    int v;

    for (; *s && *s != '='; s++) {
        if ((v = foreign_b64_value(*s)) < 0)
            return 0;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == cap)
                return 0;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1UL << bits) - 1;
        }
    }
    return n == FOREIGN_TOKENS[id].len && acc == 0 ? n : 0;
}

#endif
