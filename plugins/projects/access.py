"""Row visibility of projects, activities, time entries, attachments and events: the
reference table, in SQL.

=================  ==============================================================
projects scope     meaning
=================  ==============================================================
``all``            every project
``own``            the projects the user is the project manager of
``list``           in lists only: the projects of the companies the user is the
                   salesperson of (never opened)
=================  ==============================================================

=================  ==============================================================
activities scope   meaning
=================  ==============================================================
``all``            every activity and event
``own``            activities assigned to the user, directly or through the work
                   group of the project, and the activities of the projects the
                   user manages; events they own, are invited to, or of projects
                   they manage
``list``           in lists only: the activities and events of the companies the
                   user is the salesperson of
=================  ==============================================================

Who may change *which fields* of an activity is decided in :mod:`.services`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from sportello import Rule, Scope, visible


def _own_companies(user: Any) -> Any:
    from sportello_companies.models import Company

    return select(Company.id).where(Company.salesperson_id == user.id)


def _managed_projects(user: Any) -> Any:
    from .models import Project

    return select(Project.id).where(Project.manager_id == user.id)


def _group_projects(user: Any) -> Any:
    from .models import project_member

    return select(project_member.c.project_id).where(project_member.c.user_id == user.id)


def project_rules(user: Any, action: str) -> list[Rule]:
    from .models import Project

    scope = user.scope("projects")
    if scope == Scope.ALL:
        return [Rule(Project.id.is_not(None), "Scope 'all' on projects: every project")]
    if scope == Scope.OWN:
        return [Rule(Project.manager_id == user.id, "Scope 'own' on projects: the projects the user is the project manager of")]
    if scope == Scope.LIST and action == "list":
        return [Rule(Project.company_id.in_(_own_companies(user)),
                     "Scope 'list' on projects: in lists, the projects of the companies the user is the salesperson of")]
    return []


def activity_rules(user: Any, action: str) -> list[Rule]:
    from .models import Activity

    scope = user.scope("activities")
    if scope == Scope.ALL:
        return [Rule(Activity.id.is_not(None), "Scope 'all' on activities: every activity")]
    if scope == Scope.OWN:
        return [
            Rule(Activity.assignee_id == user.id, "Scope 'own' on activities: the activities assigned to the user"),
            Rule(and_(Activity.assigned_to_group.is_(True), Activity.project_id.in_(_group_projects(user))),
                 "Scope 'own' on activities: the activities assigned to a work group the user belongs to"),
            Rule(Activity.project_id.in_(_managed_projects(user)),
                 "Scope 'own' on activities: the activities of the projects the user is the project manager of"),
        ]
    if scope == Scope.LIST and action == "list":
        return [Rule(Activity.company_id.in_(_own_companies(user)),
                     "Scope 'list' on activities: in lists, the activities of the companies the user is the salesperson of")]
    return []


def event_rules(user: Any, action: str) -> list[Rule]:
    from .models import Event, event_invitee

    scope = user.scope("activities")
    if scope == Scope.ALL:
        return [Rule(Event.id.is_not(None), "Scope 'all' on activities: every event")]
    rules = [
        Rule(Event.owner_id == user.id, "An event is seen by who organised it"),
    ]
    if action in ("list", "read"):
        rules.append(Rule(Event.id.in_(select(event_invitee.c.event_id).where(event_invitee.c.user_id == user.id)),
                          "An event is seen by the people invited to it"))
    if scope == Scope.OWN:
        rules.append(Rule(Event.project_id.in_(_managed_projects(user)),
                          "Scope 'own' on activities: the events of the projects the user is the project manager of"))
    if scope == Scope.LIST and action == "list":
        rules.append(Rule(Event.company_id.in_(_own_companies(user)),
                          "Scope 'list' on activities: in lists, the events of the companies the user is the salesperson of"))
    return rules


def rules(entity: str, user: Any, action: str) -> list[Rule]:
    if entity == "projects.project":
        return project_rules(user, action)
    if entity == "projects.activity":
        return activity_rules(user, action)
    if entity == "projects.event":
        return event_rules(user, action)
    if entity == "projects.time_entry":
        from .models import Activity, TimeEntry

        parent = "update" if action in ("update", "delete") else "read"
        return [Rule(TimeEntry.activity_id.in_(visible(select(Activity.id), user, parent)),
                     f"A time entry is reached through its activity ({parent})")]
    if entity == "projects.attachment":
        from .models import Activity, Attachment, Project

        parent = "update" if action in ("update", "delete") else "read"
        return [Rule(or_(Attachment.activity_id.in_(visible(select(Activity.id), user, parent)),
                         Attachment.project_id.in_(visible(select(Project.id), user, parent))),
                     f"An attachment is reached through its activity or project ({parent})")]
    return []
