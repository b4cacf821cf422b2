-- An audit line's detail is data now (a JSON note the page says in the reader's language);
-- what was written before is kept as its text.
UPDATE audit SET detail = json_object('note', 'text', 'text', detail)
WHERE detail IS NOT NULL AND detail <> '';
UPDATE audit SET detail = NULL WHERE detail = '';
