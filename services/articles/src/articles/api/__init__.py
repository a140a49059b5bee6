"""HTTP API of the articles service (thin routers over the domain functions)."""
