package envs

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
)

// WriteList prints the environments of f, read from path, as shoveltap env
// lists them: URLs without passwords, and how each logs in without any
// secret.
func (f File) WriteList(w io.Writer, path string) {
	if len(f.Environments) == 0 {
		fmt.Fprintf(w, "%s defines no environment (see shoveltap env --help).\n", path)
		return
	}
	fmt.Fprintf(w, "Environments in %s:\n", path)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tLABEL\tKIND\tURL\tLOGIN")
	for _, e := range f.Environments {
		kind := "-"
		if e.Production {
			kind = "PRODUCTION"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", e.Name, e.DisplayLabel(), kind, redactedURLs(e.URLs), login(e))
	}
	_ = tw.Flush()
}

// redactedURLs shows the URLs without their passwords.
func redactedURLs(raws []string) string {
	if len(raws) == 0 {
		return "(default)"
	}
	var out []string
	for _, raw := range raws {
		u, err := url.Parse(raw)
		if err != nil {
			out = append(out, "(not a URL)")
			continue
		}
		out = append(out, u.Redacted())
	}
	return strings.Join(out, " ")
}

// login says how an environment logs in, without any secret.
func login(e Environment) string {
	var parts []string
	switch {
	case e.Password != "":
		parts = append(parts, "password in the file")
	case e.PasswordFile != "":
		parts = append(parts, "password-file")
	case e.Cert != "":
		parts = append(parts, "x509 certificate")
	}
	if e.Cert != "" && len(parts) > 0 && parts[0] != "x509 certificate" {
		parts = append(parts, "client certificate")
	}
	if e.InsecureTLS {
		parts = append(parts, "TLS NOT VERIFIED")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
