-- The customer managers' figures count the complaints closed in the last 90 days (and those
-- open past their deadline, through complaints_status): without this, every look at them read
-- every complaint ever filed.
CREATE INDEX complaints_closed ON complaints (closed_at) WHERE closed_at IS NOT NULL;
