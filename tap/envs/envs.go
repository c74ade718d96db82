// Package envs reads named environments: the brokers a team taps again and
// again (production, staging, …), with their URLs, TLS files, user and a
// label, chosen on the command line with --env NAME.
//
//	environments:
//	  prod:
//	    label: PROD eu-west
//	    production: true
//	    url: amqps://ops@mq.example.com:5671/orders
//	    ca-cert: /etc/ssl/example-ca.pem
//	    password-file: ~/.config/shoveltap/prod.password
//	    max-rate: 500
package envs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/shoveltap/shoveltap/tap/decode/formats"
	"github.com/shoveltap/shoveltap/tap/tracectx"
)

// EnvFile and EnvName are the environment variables that stand for
// --env-file and --env.
const (
	EnvFile = "SHOVELTAP_ENV_FILE"
	EnvName = "SHOVELTAP_ENV"
)

// Environment is one named broker set-up. Every field is optional; the
// command line wins over it, and it wins over the SHOVELTAP_* variables.
type Environment struct {
	Name string `yaml:"-"`
	// Label is shown in the status line (the name when empty); Colour is
	// its colour. A production environment's label is always red.
	Label      string `yaml:"label"`
	Colour     string `yaml:"colour"`
	Production bool   `yaml:"production"`

	URLs Strings `yaml:"url"` // one, or a list of a cluster's nodes
	APIs Strings `yaml:"api"`
	User string  `yaml:"user"`
	// Password is allowed only in a file nobody else can read (as ssh does
	// with keys); PasswordFile names a file that holds it instead.
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password-file"`
	CACert       string `yaml:"ca-cert"`
	Cert         string `yaml:"cert"`
	CertKey      string `yaml:"cert-key"`
	InsecureTLS  bool   `yaml:"insecure-tls"`

	TapURL          string `yaml:"tap-url"`
	TapAPI          string `yaml:"tap-api"`
	TapPasswordFile string `yaml:"tap-password-file"`
	TapCACert       string `yaml:"tap-ca-cert"`
	TapCert         string `yaml:"tap-cert"`
	TapCertKey      string `yaml:"tap-cert-key"`
	// Files on the tapped broker's host for the shovel to an amqps://
	// tap-url (see broker.ShovelURI).
	TapShovelCACert  string `yaml:"tap-shovel-ca-cert"`
	TapShovelCert    string `yaml:"tap-shovel-cert"`
	TapShovelCertKey string `yaml:"tap-shovel-cert-key"`

	// MaxRate is the production budget: copied messages per second, 0 for
	// no limit.
	MaxRate int `yaml:"max-rate"`

	// TraceURL links a message's trace to the tracing backend:
	// {trace_id} and {span_id} are filled in (see tap/tracectx).
	TraceURL string `yaml:"trace-url"`
}

// DisplayLabel is the label to show: Label, or the name.
func (e Environment) DisplayLabel() string {
	if e.Label != "" {
		return e.Label
	}
	return e.Name
}

// Strings is a YAML value that is one string or a list of them.
type Strings []string

// UnmarshalYAML accepts a scalar or a sequence.
func (s *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = Strings{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*s = list
	return nil
}

// File is an environments file.
type File struct {
	Path         string
	Environments []Environment // in the file's order
	// Decoders are the user's schemas, type mappings and decoder hooks
	// (the top-level decoders: section; see decoders.go), for every
	// environment.
	Decoders formats.Config
}

// Names lists the environments' names.
func (f File) Names() []string {
	var names []string
	for _, e := range f.Environments {
		names = append(names, e.Name)
	}
	return names
}

// Get returns the environment called name, or an error that lists the
// ones there are.
func (f File) Get(name string) (Environment, error) {
	for _, e := range f.Environments {
		if e.Name == name {
			return e, nil
		}
	}
	if len(f.Environments) == 0 {
		return Environment{}, fmt.Errorf("environment %q: %s defines none", name, f.Path)
	}
	return Environment{}, fmt.Errorf("environment %q is not in %s: it has %s (shoveltap env lists them)", name, f.Path, strings.Join(f.Names(), ", "))
}

// DefaultPath is $XDG_CONFIG_HOME/shoveltap/environments.yaml, or
// ~/.config/shoveltap/environments.yaml when XDG_CONFIG_HOME is not set.
func DefaultPath(getenv func(string) string) (string, error) {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("no XDG_CONFIG_HOME and no HOME to find the environments file in: give it with --env-file FILE")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "shoveltap", "environments.yaml"), nil
}

// Load reads an environments file. Relative file paths in it are relative
// to the file's directory, and ~/ is the home directory. A file that holds
// a password is refused when others can read it.
func Load(path string) (File, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, fmt.Errorf("no environments file at %s: create it (see shoveltap env --help) or name another with --env-file FILE", path)
	}
	if err != nil {
		return File{}, fmt.Errorf("reading the environments file: %w", err)
	}
	// Decoded twice: strictly into the settings (so a misspelt key is an
	// error with its line), and as a node for the environments' order.
	var doc struct {
		Environments map[string]Environment `yaml:"environments"`
		Decoders     formats.Config         `yaml:"decoders"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("reading the environments file %s: %w", path, err)
	}
	var order struct {
		Environments yaml.Node `yaml:"environments"`
	}
	if err := yaml.Unmarshal(raw, &order); err != nil {
		return File{}, fmt.Errorf("reading the environments file %s: %w", path, err)
	}
	f := File{Path: path}
	if f.Decoders, err = loadDecoders(doc.Decoders, filepath.Dir(path)); err != nil {
		return File{}, fmt.Errorf("%s: decoders: %w", path, err)
	}
	withPassword := ""
	nodes := order.Environments.Content
	for i := 0; i+1 < len(nodes); i += 2 {
		name := nodes[i].Value
		if !validName.MatchString(name) {
			return File{}, fmt.Errorf("%s line %d: environment name %q: use letters, digits, '.', '_' and '-'", path, nodes[i].Line, name)
		}
		if slices.Contains(f.Names(), name) {
			return File{}, fmt.Errorf("%s line %d: environment %q is defined twice", path, nodes[i].Line, name)
		}
		e := doc.Environments[name]
		e.Name = name
		if err := e.check(); err != nil {
			return File{}, fmt.Errorf("%s line %d: environment %q: %w", path, nodes[i].Line, name, err)
		}
		e.resolvePaths(filepath.Dir(path))
		if (e.Password != "" || urlsHavePassword(append([]string{e.TapURL}, e.URLs...))) && withPassword == "" {
			withPassword = name
		}
		f.Environments = append(f.Environments, e)
	}
	if withPassword != "" {
		if err := PrivateFile(path); err != nil {
			return File{}, fmt.Errorf("%s holds a password (environment %q) but %v; or move the password to a file of its own named by password-file", path, withPassword, err)
		}
	}
	return f, nil
}

// urlsHavePassword says whether any of the URLs holds a password.
func urlsHavePassword(raws []string) bool {
	for _, raw := range raws {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			if _, ok := u.User.Password(); ok {
				return true
			}
		}
	}
	return false
}

// PrivateFile fails when path is readable or writable by anyone but its
// owner, saying how to fix it.
func PrivateFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("others may read it (mode %04o): make it private with chmod 600 %s", mode, path)
	}
	return nil
}

var (
	validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	hexColour = regexp.MustCompile(`^#[0-9a-f]{6}$`)
)

// check finds what cannot work before anything connects.
func (e Environment) check() error {
	if e.Password != "" && e.PasswordFile != "" {
		return errors.New("give password or password-file, not both")
	}
	if e.MaxRate < 0 {
		return fmt.Errorf("max-rate %d: give messages per second, or 0 for no limit", e.MaxRate)
	}
	if e.Colour != "" {
		if _, ok := ColourValue(e.Colour); !ok {
			return fmt.Errorf("colour %q: use a name (%s), an ANSI number 0-255 or #rrggbb", e.Colour, strings.Join(colourNames, ", "))
		}
	}
	if e.TraceURL != "" {
		if err := tracectx.CheckTemplate(e.TraceURL); err != nil {
			return err
		}
	}
	return nil
}

// resolvePaths makes the file paths absolute: relative to dir, ~/ to home.
func (e *Environment) resolvePaths(dir string) {
	home, _ := os.UserHomeDir()
	for _, p := range []*string{&e.PasswordFile, &e.CACert, &e.Cert, &e.CertKey, &e.TapPasswordFile, &e.TapCACert, &e.TapCert, &e.TapCertKey} {
		switch {
		case *p == "":
		case strings.HasPrefix(*p, "~/") && home != "":
			*p = filepath.Join(home, (*p)[2:])
		case !filepath.IsAbs(*p):
			*p = filepath.Join(dir, *p)
		}
	}
	// The tap-shovel files are paths on the broker's host: left as they are.
}

// colours maps the names an environments file may use to ANSI colours.
var colours = map[string]string{
	"black": "0", "red": "1", "green": "2", "yellow": "3", "blue": "4", "magenta": "5", "cyan": "6", "white": "7",
	"gray": "8", "grey": "8", "orange": "208", "purple": "93", "pink": "205",
}

var colourNames = func() []string {
	var names []string
	for n := range colours {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}()

// ColourValue turns a colour name, an ANSI number or #rrggbb into what
// lipgloss.Color takes; ok is false for anything else.
func ColourValue(c string) (string, bool) {
	c = strings.ToLower(strings.TrimSpace(c))
	if v, ok := colours[c]; ok {
		return v, true
	}
	if n, err := strconv.Atoi(c); err == nil && n >= 0 && n <= 255 {
		return c, true
	}
	if hexColour.MatchString(c) {
		return c, true
	}
	return "", false
}
