"""Scrapy project: spiders per CMS platform, driven by the portal registry. Spiders only crawl."""
