"""The only place that knows the server's URLs: HTTP client and live event stream."""
