"""One spider per CMS platform (trs, hanweb, vsb, gkmlpt, jeecms, generic), each a few
attributes on a base class of crawler.spiders.base (PortalSpider, ListSpider)."""
