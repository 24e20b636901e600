"""media_pipeline: a queue of video-production tasks turned into checked, published videos with Dagster."""
