package main

import (
	"github.com/spf13/cobra"

	"github.com/shoveltap/shoveltap/tap/cmdline"
)

const completionLong = `Prints the shell completion script for shoveltap: commands, each
command's flags, and the names of exchanges and queues after --exchange
and --queue, read from the management API of the broker the command
line names (--url, --api, --env, SHOVELTAP_URL …) when it answers within
a second.

  source <(shoveltap completion bash)                      # bash (needs bash-completion)
  shoveltap completion bash > ~/.local/share/bash-completion/completions/shoveltap
  source <(shoveltap completion zsh)                       # zsh, this shell
  shoveltap completion zsh > "${fpath[1]}/_shoveltap"     # zsh, for good
  shoveltap completion fish > ~/.config/fish/completions/shoveltap.fish
  shoveltap completion powershell | Out-String | Invoke-Expression`

// addCompletion adds cobra's completion command (bash, zsh, fish,
// PowerShell) and the hidden __complete it runs, both from the tree.
func addCompletion(root *cobra.Command, con cmdline.Console) {
	root.CompletionOptions.HiddenDefaultCmd = false
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Use = "completion bash|zsh|fish|powershell"
			c.Short = "print the shell completion script"
			c.Annotations = map[string]string{cmdline.RareCommand: "shell script"}
			c.Long = completionLong
			c.Args = cmdline.OneOf("shell", "bash", "zsh", "fish", "powershell")
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
			for _, s := range c.Commands() {
				s.Hidden = false
			}
		}
	}
}
