-- name: invoice_model_update
-- purpose: record one matcher result on the model-less usage lines it was computed for: the
--   model when one candidate matched (the line is then mapped if its charge is understood), and
--   in model_match how, or the ambiguous/missing finding with every candidate. Parameters: $a
--   (account), $r (region), $d (usage date), $disp, $bill, $prod (the names matched), $model
--   (NULL unless matched), $note.
-- grain: one UPDATE over the lines of one pending key
UPDATE invoice_line_items
SET base_model = $model,
    mapped = CASE
        WHEN $model IS NOT NULL THEN coalesce(charge <> 'other' AND usage_kind <> 'unknown', false)
        ELSE mapped
    END,
    model_match = $note
WHERE charge_category = 'Usage'
    AND base_model IS NULL
    AND account_id = $a
    AND region IS NOT DISTINCT FROM $r
    AND CAST(usage_start AS DATE) = $d
    AND model_display_name IS NOT DISTINCT FROM $disp
    AND billing_model_name IS NOT DISTINCT FROM $bill
    AND product IS NOT DISTINCT FROM $prod
