"""Pure query functions: (cursor, validated arguments) -> DataFrame. SQL takes `?` parameters only."""
