"""Helpers the tests share: paths, the language-server client, the loopback OpenAI server."""
