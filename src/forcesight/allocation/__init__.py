"""Crime triage and allocation: solvability, priority, complexity and route for each crime;
investigators proposed by a min-cost flow within the accreditation, skill, availability and
capacity rules; supervisor decisions; re-allocation; and the backlog view."""
