package cli

// extraCommands lists the engine commands (pull, push, dns, export, ...)
// that live in their own files, so adding one touches one line here.
func extraCommands() []Command {
	return []Command{
		testConnectionCommand(),
		inventoryCommand(),
		pullCommand(),
		verifyCommand(),
		mappingCommand(),
		pushCommand(),
		deltaCommand(),
		copyCommand(),
		reconcileCommand(),
		exportCommand(),
		dnsCommand(),
	}
}
