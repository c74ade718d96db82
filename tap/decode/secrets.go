package decode

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

// IsSecretKeyBytes is IsSecretKey for a key that is bytes.
func IsSecretKeyBytes(name []byte) bool {
	return isSecretKey(name)
}

// isSecretKey takes the key as bytes too, so that the JSON redactor need
// not allocate a string for every key it meets. It is asked about every
// key of every summary, so it looks at the key once: at each byte that
// may start a part, it compares the parts that start with it, ASCII
// letters in any case.
func isSecretKey[T string | []byte](name T) bool {
	for i := 0; i < len(name); i++ {
		c := lowerASCII(name[i])
		for _, p := range secretPartsByFirst[c] {
			if hasLowerPrefix(name[i:], p) {
				return true
			}
		}
		if c == tokenWord[0] && hasLowerPrefix(name[i:], tokenWord) {
			// "token" as a word: not followed by a lower-case letter,
			// unless that starts a camel-case word (tokenId).
			end := i + len(tokenWord)
			if end == len(name) || !isLowerASCII(lowerASCII(name[end])) || isUpperASCII(name[end]) && !isUpperASCII(name[end-1]) {
				return true
			}
		}
	}
	return false
}

// secretPartsByFirst are the secretParts by their first byte.
var secretPartsByFirst = func() (by [256][][]byte) {
	for _, p := range secretParts {
		by[p[0]] = append(by[p[0]], p)
	}
	return by
}()

// hasLowerPrefix reports whether s starts with prefix, which is lower
// case, ASCII letters of s compared in any case.
func hasLowerPrefix[T string | []byte](s T, prefix []byte) bool {
	if len(s) < len(prefix) {
		return false
	}
	for j, c := range prefix {
		if lowerASCII(s[j]) != c {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if isUpperASCII(c) {
		c += 'a' - 'A'
	}
	return c
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
