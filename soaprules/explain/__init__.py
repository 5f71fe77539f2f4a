"""Why a conclusion holds or does not, as data for the renderers: the tree's nodes (nodes),
why (why), why not (whynot), and what would change it (whatif)."""
