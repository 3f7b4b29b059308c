from django.db import migrations

# Indexes on analytics_event for the ads hot path. They belong to ads, not to analytics, so ads
# adds them here, by RunSQL, without touching the Event model.
# - viewer lookups: a viewer's impressions today (frequency cap, dedupe) and their billable
#   impressions and clicks of one placement (click counting) read only that viewer's rows.
# CONCURRENTLY (so atomic = False): on a live events table a plain CREATE INDEX would block the
# inserts of every tracked hit while it builds.
FORWARD = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS analytics_event_ad_viewer
    ON analytics_event (distinct_id, subject_id, occurred_at)
    WHERE name IN ('ad_impression', 'ad_click');
"""

BACKWARD = "DROP INDEX CONCURRENTLY IF EXISTS analytics_event_ad_viewer;"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("ads", "0001_initial"), ("analytics", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
