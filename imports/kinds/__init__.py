"""The kinds of bulk import; each module registers its spec (imports.spec.register)."""
