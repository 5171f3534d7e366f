"""One spider per CMS platform, each a few attributes on crawler.spiders.base.PortalSpider."""
