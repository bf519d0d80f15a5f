"""The coordination calendar: meetings, coordination visits and professionalisation sessions a person
may see, as a month page and as a personal iCalendar feed. It reads governance, strategy and labels
(the layers below it); nothing below reads it."""
