"""Use cases: one plain function per use case, typed settings in and a typed result out; the CLI,
the action and the deploy pipeline are thin adapters that render the result."""
