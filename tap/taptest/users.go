package taptest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	"github.com/shoveltap/shoveltap/tap/broker"
)

// Grant is what a test user may do: its tags and, on the test's vhost,
// its three permission patterns. NoAccess leaves the user without any
// permissions on the vhost.
type Grant struct {
	Tags                   []string
	Configure, Write, Read string
	NoAccess               bool
}

// User creates a throwaway user (random name and password) on ep's broker
// with exactly g, deleted when the test ends, and returns ep as that user.
// ep's user must be an administrator (the test broker's guest is).
func User(t testing.TB, ep broker.Endpoint, g Grant) broker.Endpoint {
	t.Helper()
	rh := Admin(t, ep)
	name := Name("user")
	var b [8]byte
	_, _ = rand.Read(b[:])
	password := "Pw-" + hex.EncodeToString(b[:])
	if _, err := rh.PutUser(name, rabbithole.UserSettings{Password: password, Tags: rabbithole.UserTags(nonNil(g.Tags))}); err != nil {
		t.Fatalf("creating user %s: %v", name, err)
	}
	t.Cleanup(func() { _, _ = rh.DeleteUser(name) })
	u := ep
	u.User, u.Password = name, password
	u.AMQP.Username, u.AMQP.Password = name, password
	if !g.NoAccess {
		SetGrant(t, ep, u.User, g)
	}
	return u
}

// SetGrant replaces user's tags and permissions on ep's vhost with g, as
// an administrator would.
func SetGrant(t testing.TB, admin broker.Endpoint, user string, g Grant) {
	t.Helper()
	rh := Admin(t, admin)
	if err := setTags(rh, user, g.Tags); err != nil {
		t.Fatal(err)
	}
	if _, err := rh.UpdatePermissionsIn(admin.Vhost, user, rabbithole.Permissions{Configure: g.Configure, Write: g.Write, Read: g.Read}); err != nil {
		t.Fatalf("granting %s on vhost %s: %v", user, admin.Vhost, err)
	}
}

// setTags replaces a user's tags, keeping its password.
func setTags(rh *rabbithole.Client, user string, tags []string) error {
	info, err := rh.GetUser(user)
	if err != nil {
		return fmt.Errorf("reading user %s: %w", user, err)
	}
	_, err = rh.PutUser(user, rabbithole.UserSettings{PasswordHash: info.PasswordHash, HashingAlgorithm: info.HashingAlgorithm, Tags: rabbithole.UserTags(nonNil(tags))})
	if err != nil {
		return fmt.Errorf("setting the tags of %s: %w", user, err)
	}
	return nil
}

func nonNil(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

// RunGrantCommand does what a rabbitmqctl command printed by shoveltap
// (set_user_tags or set_permissions) says, through the management API as
// admin, so a test proves the command grants what was missing. It fails
// the test on any other command.
func RunGrantCommand(t testing.TB, admin broker.Endpoint, command string) {
	t.Helper()
	words, err := ShellWords(command)
	if err != nil || len(words) < 3 || words[0] != "rabbitmqctl" {
		t.Fatalf("not a rabbitmqctl command: %q (%v)", command, err)
	}
	rh := Admin(t, admin)
	switch args := words[2:]; words[1] {
	case "set_user_tags":
		if err := setTags(rh, args[0], args[1:]); err != nil {
			t.Fatal(err)
		}
	case "set_permissions":
		if len(args) != 6 || args[0] != "-p" {
			t.Fatalf("set_permissions wants -p VHOST USER CONF WRITE READ: %q", command)
		}
		if _, err := rh.UpdatePermissionsIn(args[1], args[2], rabbithole.Permissions{Configure: args[3], Write: args[4], Read: args[5]}); err != nil {
			t.Fatalf("%s: %v", command, err)
		}
	default:
		t.Fatalf("unexpected rabbitmqctl command %q", command)
	}
}

// ShellWords splits a POSIX shell command of plain words, single-quoted
// words and backslash escapes (the only quoting shoveltap prints).
func ShellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted, escaped := false, false, false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped, inWord = false, true
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == '\\':
			escaped = true
		case r == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted || escaped {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// GrantCommands finds the rabbitmqctl commands in a message.
func GrantCommands(msg string) []string {
	var out []string
	for {
		i := strings.Index(msg, "rabbitmqctl set_")
		if i < 0 {
			return out
		}
		msg = msg[i:]
		end := len(msg)
		// A command ends where the prose resumes: " (" or "; ".
		for _, stop := range []string{" (", "; ", "\n"} {
			if j := strings.Index(msg, stop); j >= 0 && j < end {
				end = j
			}
		}
		out = append(out, msg[:end])
		msg = msg[end:]
	}
}
