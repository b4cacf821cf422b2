-- The latest published version when a dispute was answered: a corrected classification is in
-- the first version published after it (0 when nothing was published yet).
ALTER TABLE disputes ADD COLUMN answered_under INTEGER;
