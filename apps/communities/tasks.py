from celery import shared_task

from apps.communities.temporary import communities_anonymise_due, communities_close_ended


@shared_task(name="communities.close_ended")
def close_ended_communities() -> int:
    return communities_close_ended()


@shared_task(name="communities.anonymise_due")
def anonymise_due_communities() -> int:
    return communities_anonymise_due()
