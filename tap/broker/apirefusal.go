package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
)

// need is what a management API call requires besides the management tag,
// so that a refusal names it rather than a guess.
type need struct {
	tag              string // a user tag: policymaker, monitoring, administrator
	perm, kind, name string // or a permission on an object
}

// reasonTags are the management API's words for a missing tag (3.10 and
// 4.x alike).
var reasonTags = map[string]string{
	"Not management user":    "management",
	"Not monitor user":       "monitoring",
	"Not administrator user": "administrator",
}

// isLoginFailure reports whether an API refusal means a wrong user name or
// password (3.x says "Login failed", 4.x "Not_Authorized").
func isLoginFailure(reason string) bool {
	r := strings.ToLower(reason)
	return strings.Contains(r, "login failed") || strings.Contains(r, "not_authorized") || strings.Contains(r, "invalid credentials")
}

// isRefused reports whether err is the management API refusing the user,
// and gives the API's reason where it is known (rabbit-hole drops it).
func isRefused(err error) (reason string, ok bool) {
	var er rabbithole.ErrorResponse
	if errors.As(err, &er) && (er.StatusCode == http.StatusUnauthorized || er.StatusCode == http.StatusForbidden) {
		return strings.TrimSpace(er.Reason), true
	}
	return "", err != nil && strings.Contains(err.Error(), "401 Unauthorized")
}

// whoami is the user as the management API sees it.
type whoami struct {
	Name string   `json:"name"`
	Tags tagsJSON `json:"tags"`
}

// tagsJSON reads tags as a list (3.9+) or a comma-separated string (older).
type tagsJSON []string

func (t *tagsJSON) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*t = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = nil
	for _, tag := range strings.Split(s, ",") {
		if tag = strings.TrimSpace(tag); tag != "" {
			*t = append(*t, tag)
		}
	}
	return nil
}

// refused turns a management API refusal into a Refusal naming the one
// missing tag or permission, asking the API who the user is when the
// refusal's own words do not say. It returns nil when err is no refusal.
func (a *Admin) refused(ctx context.Context, doing string, n need, err error) error {
	reason, ok := isRefused(err)
	if !ok {
		return nil
	}
	if isLoginFailure(reason) {
		return a.loginFailed(doing)
	}
	if tag, ok := reasonTags[reason]; ok {
		n = need{tag: tag}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var who whoami
	if werr := a.getJSON(ctx, "whoami", nil, &who); werr != nil {
		wreason, refused := isRefused(werr)
		switch {
		case refused && reasonTags[wreason] == "management":
			return a.ep.Refused(&Refusal{Doing: doing, Broker: a.ep.Address(), User: a.ep.User, Vhost: a.ep.Vhost, Tag: "management"})
		case refused && isLoginFailure(wreason):
			return a.loginFailed(doing)
		}
		return fmt.Errorf("%s: the management API refused user %q (%s)", doing, a.ep.User, reasonOr(reason))
	}
	r := &Refusal{Doing: doing, Broker: a.ep.Address(), User: a.ep.User, Vhost: a.ep.Vhost, Has: []string(who.Tags)}
	switch {
	case n.tag != "" && !HasTag(who.Tags, n.tag):
		r.Tag = n.tag
		return a.ep.Refused(r)
	case n.perm != "":
		r.Perm, r.Kind, r.Name = n.perm, n.kind, n.name
		return a.ep.Refused(r)
	case !a.canUseVhost(ctx):
		r.Perm = "access"
		return a.ep.Refused(r)
	}
	return fmt.Errorf("%s: the management API refused user %q, who has %s (%s)", doing, a.ep.User, TagList(who.Tags), reasonOr(reason))
}

func (a *Admin) loginFailed(doing string) error {
	return fmt.Errorf("%s: the management API at %s refused user %q: wrong username or password (%s)", doing, a.ep.API, a.ep.User, PasswordHint(a.ep.TLS.Flags))
}

func reasonOr(reason string) string {
	if reason == "" {
		return "no reason given"
	}
	return reason
}

// explainNeed is explain for a call that needs a known tag or permission.
func (a *Admin) explainNeed(ctx context.Context, doing string, n need, err error) error {
	if r := a.refused(ctx, doing, n, err); r != nil {
		return r
	}
	return a.Explain(ctx, doing, err)
}

// UserTags are the user's tags as the management API reports them.
func (a *Admin) UserTags(ctx context.Context) ([]string, error) {
	var who whoami
	if err := a.getJSON(ctx, "whoami", nil, &who); err != nil {
		return nil, a.Explain(ctx, "checking the user", err)
	}
	return []string(who.Tags), nil
}

// DefinedShovels lists a vhost's shovel definitions as states that say
// only "defined": what a policymaker without the monitoring tag can see.
func (a *Admin) DefinedShovels(ctx context.Context, vhost string) ([]ShovelState, error) {
	defs, err := a.client(ctx).ListShovelsIn(vhost)
	if err != nil {
		return nil, a.explainNeed(ctx, "listing shovel definitions", need{tag: "policymaker"}, err)
	}
	states := make([]ShovelState, 0, len(defs))
	for _, d := range defs {
		states = append(states, ShovelState{Name: d.Name, Vhost: d.Vhost, State: "defined"})
	}
	return states, nil
}

// canUseVhost reports whether the endpoint's vhost is among those the API
// lists for the user: it lists only the vhosts the user has permissions
// on. When the list cannot be read it says yes, so that nothing is
// blamed on the vhost without proof.
func (a *Admin) canUseVhost(ctx context.Context) bool {
	var vhosts []struct {
		Name string `json:"name"`
	}
	if err := a.getJSON(ctx, "vhosts", url.Values{"columns": {"name"}}, &vhosts); err != nil {
		return true
	}
	for _, v := range vhosts {
		if v.Name == a.ep.Vhost {
			return true
		}
	}
	return false
}

// Need is what a management API call requires besides the management tag:
// a tag, or a permission on an object.
type Need struct{ Tag, Perm, Kind, Name string }

// ExplainNeed turns a management API failure into an actionable error: a
// refusal names the missing tag or permission (n, unless the API's own
// words name another) and the rabbitmqctl command that grants it.
func (a *Admin) ExplainNeed(ctx context.Context, doing string, n Need, err error) error {
	return a.explainNeed(ctx, doing, need{tag: n.Tag, perm: n.Perm, kind: n.Kind, name: n.Name}, err)
}

// IsRefused reports whether err is the management API refusing the user
// (401 or 403), whatever the reason.
func IsRefused(err error) bool {
	_, ok := isRefused(err)
	return ok
}

func TagList(tags []string) string {
	if len(tags) == 0 {
		return "no tags"
	}
	return strings.Join(tags, ", ")
}

// PasswordHint says where a correct password goes, for flags of prefix
// (the Flags of TLS: "", "tap-", "mirror-"): a file, the prompt or an
// environment, never the URL or a variable that ps and /proc can show.
func PasswordHint(prefix string) string {
	return fmt.Sprintf("give the right one with --%spassword-file FILE (a file only you can read), at the prompt (leave it out of the URL), or in an environment file (--env NAME)", prefix)
}
