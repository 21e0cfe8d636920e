"""Pure figure builders: DataFrame -> go.Figure, sharing one theme."""
