-- name: invoice_precedence
-- purpose: when more than one invoice source holds a billing period and usage account, use one
--   and mark the lines of the others superseded (superseded_by = the source family used instead;
--   NULL = used). The reconciliation, the allocation and `export focus` read only used lines, so a
--   bill is never counted twice. Precedence by format: cur2 > focus_1_2 > focus_1_0 > cur_legacy >
--   cost_explorer (anything else last). Two families of the best format are copies when they share
--   a line item (line_item_key): the latest delivery is used (delivered_at, then run_id, then the
--   family name). Families of one format with no line item in common are parts of one bill (the
--   files of a legacy CUR assembly) and are all used. Rewrites every line; re-runnable.
-- grain: one update per invoice line
UPDATE invoice_line_items AS l
SET superseded_by = d.winner
FROM (
    WITH lines AS (
        SELECT
            billing_period, account_id, line_item_key, delivered_at, run_id,
            coalesce(source_family, source_uri, source_format) AS family,
            CASE source_format
                WHEN 'cur2' THEN 1 WHEN 'focus_1_2' THEN 2 WHEN 'focus_1_0' THEN 3
                WHEN 'cur_legacy' THEN 4 WHEN 'cost_explorer' THEN 5 ELSE 6
            END AS rnk
        FROM invoice_line_items
    ),
    fam AS (
        SELECT billing_period, account_id, family, min(rnk) AS rnk,
               max(delivered_at) AS delivered_at, max(run_id) AS run_id
        FROM lines
        GROUP BY ALL
    ),
    ordered AS (
        SELECT *,
            min(rnk) OVER (PARTITION BY billing_period, account_id) AS best,
            row_number() OVER (PARTITION BY billing_period, account_id, rnk
                               ORDER BY delivered_at NULLS FIRST, run_id NULLS FIRST, family) AS ord
        FROM fam
    ),
    keys AS (
        SELECT DISTINCT billing_period, account_id, family, line_item_key
        FROM lines WHERE line_item_key IS NOT NULL
    ),
    shared AS (
        SELECT DISTINCT a.billing_period, a.account_id, a.family AS f1, b.family AS f2
        FROM keys AS a
        JOIN keys AS b
            ON a.billing_period IS NOT DISTINCT FROM b.billing_period
            AND a.account_id IS NOT DISTINCT FROM b.account_id
            AND a.line_item_key = b.line_item_key
            AND a.family <> b.family
    ),
    best_family AS (  -- the latest family of the best format: named as the winner of the others
        SELECT billing_period, account_id, arg_max(family, ord) AS family
        FROM ordered WHERE rnk = best
        GROUP BY ALL
    ),
    later_copy AS (  -- the latest family of the same (best) format sharing a line with f
        SELECT o.billing_period, o.account_id, o.family, arg_max(g.family, g.ord) AS winner
        FROM ordered AS o
        JOIN shared AS s
            ON s.billing_period IS NOT DISTINCT FROM o.billing_period
            AND s.account_id IS NOT DISTINCT FROM o.account_id AND s.f1 = o.family
        JOIN ordered AS g
            ON g.billing_period IS NOT DISTINCT FROM o.billing_period
            AND g.account_id IS NOT DISTINCT FROM o.account_id AND g.family = s.f2
            AND g.rnk = o.rnk AND g.ord > o.ord
        WHERE o.rnk = o.best
        GROUP BY ALL
    )
    SELECT
        o.billing_period, o.account_id, o.family,
        CASE WHEN o.rnk > o.best THEN b.family ELSE c.winner END AS winner
    FROM ordered AS o
    LEFT JOIN best_family AS b
        ON b.billing_period IS NOT DISTINCT FROM o.billing_period
        AND b.account_id IS NOT DISTINCT FROM o.account_id
    LEFT JOIN later_copy AS c
        ON c.billing_period IS NOT DISTINCT FROM o.billing_period
        AND c.account_id IS NOT DISTINCT FROM o.account_id AND c.family = o.family
) AS d
WHERE d.billing_period IS NOT DISTINCT FROM l.billing_period
    AND d.account_id IS NOT DISTINCT FROM l.account_id
    AND d.family = coalesce(l.source_family, l.source_uri, l.source_format)
    AND l.superseded_by IS DISTINCT FROM d.winner
