"""Response models of the HTTP API (not the storage shapes)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ArticleReads(BaseModel):
    """Read counters of one article."""

    article_id: int
    reads: int
    unique_visitors: int


class ReadsResponse(BaseModel):
    """Counts for many articles, in the order asked."""

    items: list[ArticleReads]


class BucketReads(BaseModel):
    """Reads in one time bucket."""

    start: datetime
    reads: int


class ArticleStats(BaseModel):
    """Everything counted about one article."""

    article_id: int
    reads: int
    unique_visitors: int
    bot_reads: int
    duplicate_reads: int
    comments: int
    favourites: int
    recommends: int
    section_id: int | None
    section_path: list[int]
    title: str | None
    listed: bool
    reads_by_minute: list[BucketReads]
    reads_by_hour: list[BucketReads]
    reads_by_day: list[BucketReads]


class HotItem(BaseModel):
    """One article of a hot list."""

    rank: int
    article_id: int
    score: float
    title: str | None
    section_id: int | None
    published_at: datetime | None = None


class HotResponse(BaseModel):
    """A hot list."""

    window: str
    section: int | None
    generated_at: datetime
    items: list[HotItem]


class ExplainBucket(BaseModel):
    """One bucket's part of a score."""

    start: datetime
    age_seconds: float
    decay: float
    reads: int
    same_address_reads: int = Field(
        description="counted reads the ranking leaves out: an address's reads of the article "
        "after its first in a dedup window"
    )
    comments: int
    favourites: int
    recommends: int
    contribution: float


class ExplainResponse(BaseModel):
    """How an article's hot score is made up."""

    article_id: int
    window: str
    score: float
    rank: int | None
    listed: bool
    formula: str
    tau_seconds: float
    bucket_seconds: int
    weights: dict[str, float]
    generated_at: datetime
    buckets: list[ExplainBucket]


class MinuteReads(BaseModel):
    """Site-wide reads in one minute."""

    start: datetime
    reads: int
    bot_reads: int
    duplicate_reads: int


class PartitionLagOut(BaseModel):
    """A consumer group's lag on one partition."""

    group: str
    topic: str
    partition: int
    end_offset: int
    committed_offset: int | None
    lag: int


class OverviewResponse(BaseModel):
    """Live statistics for operators."""

    generated_at: datetime
    reads_per_minute: list[MinuteReads]
    reads_today: int
    bot_reads_today: int
    unique_visitors_today: int
    bot_share_today: float
    bot_share_window: float
    top_articles: list[HotItem]
    consumer_lag: list[PartitionLagOut]
    total_lag: int
    lag_error: str | None


class SectionReads(BaseModel):
    """Reads of a section including its subsections."""

    section_id: int
    path: list[int]
    reads: int
    direct_reads: int


class SectionsResponse(BaseModel):
    """Reads per section."""

    items: list[SectionReads]
