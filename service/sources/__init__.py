"""Where articles come from, over the network and from disk, never the database: ``raw`` (what every source
yields: raw articles or one-line failures), ``fetch`` (one deadline per fetch, addresses vetted), ``web`` (pages
and feeds), ``files`` (files and folders) and ``opml`` (feed lists)."""
