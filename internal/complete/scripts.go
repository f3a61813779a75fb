package complete

// Scripts are the shell functions `envseal completion SHELL` prints, by
// shell. Each asks `envseal __complete WORDS…` (the words after envseal,
// the one being completed last) for candidates, one a line.
var Scripts = map[string]string{
	"bash": `# envseal completion for bash: eval "$(envseal completion bash)"
_envseal() {
	local IFS=$'\n'
	COMPREPLY=($(envseal __complete "${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null))
	if [[ ${#COMPREPLY[@]} -eq 0 ]]; then compopt -o default 2>/dev/null; fi
}
complete -F _envseal envseal
`,
	"zsh": `#compdef envseal
# envseal completion for zsh: envseal completion zsh > "${fpath[1]}/_envseal"
_envseal() {
	local -a cands
	cands=("${(@f)$(envseal __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	if (( ${#cands} )) && [[ -n "${cands[1]}" ]]; then
		compadd -- "${cands[@]}"
	else
		_files
	fi
}
compdef _envseal envseal
`,
	"fish": `# envseal completion for fish: envseal completion fish > ~/.config/fish/completions/envseal.fish
function __envseal_complete
	set -l tokens (commandline -opc) (commandline -ct)
	envseal __complete $tokens[2..-1] 2>/dev/null
end
complete -c envseal -f -a '(__envseal_complete)'
`,
	"powershell": `# envseal completion for PowerShell: envseal completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName envseal -ScriptBlock {
	param($wordToComplete, $commandAst, $cursorPosition)
	$words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
	if ($wordToComplete -eq '') { $words += '' }
	envseal __complete @words 2>$null | ForEach-Object {
		[System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
	}
}
`,
}
