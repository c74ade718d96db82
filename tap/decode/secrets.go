package decode

import "bytes"

// secretParts name a credential wherever they appear in a key: they are
// specific enough that "os_password", "X-Auth-Token" or "adminPassword"
// all hold one.
var secretParts = [][]byte{
	[]byte("password"), []byte("passwd"), []byte("passphrase"), []byte("secret"), []byte("credential"),
	[]byte("apikey"), []byte("api_key"), []byte("api-key"),
	[]byte("privatekey"), []byte("private_key"), []byte("private-key"),
	[]byte("authtoken"), []byte("auth_token"), []byte("auth-token"), []byte("authorization"),
}

var tokenWord = []byte("token")

// IsSecretKey reports whether a key (a JSON or msgpack member, a Celery
// kwarg, an AMQP header) names a credential whose value must not be shown:
// one containing password, passwd, passphrase, secret, credential,
// api_key or apikey, private_key, auth_token or authorization, in any case
// and with -, _ or nothing between the words; or "token" as a word of its
// own ("token", "access_token", "accessToken", "X-Subject-Token", but not
// "tokens" or "max_tokens").
func IsSecretKey(name string) bool {
	return isSecretKey(name)
}

// isSecretKey takes the key as bytes too, so that the JSON redactor need
// not allocate a string for every key it meets.
func isSecretKey[T string | []byte](name T) bool {
	var buf [64]byte
	k := buf[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isUpperASCII(c) {
			c += 'a' - 'A'
		}
		k = append(k, c)
	}
	for _, p := range secretParts {
		if bytes.Contains(k, p) {
			return true
		}
	}
	for i := 0; ; {
		j := bytes.Index(k[i:], tokenWord)
		if j < 0 {
			return false
		}
		end := i + j + len(tokenWord)
		if end == len(k) || !isLowerASCII(k[end]) || isUpperASCII(name[end]) && !isUpperASCII(name[end-1]) {
			return true
		}
		i = end
	}
}

func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLowerASCII(c byte) bool { return 'a' <= c && c <= 'z' }

// redactValueWanted is false for values that reveal nothing, so that
// "password": null still says there is no password.
func redactValueWanted(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	}
	return true
}
