# The roll-ups keep accounts to three segments (the chart's jenis: 5.1.02 Belanja Barang dan
# Jasa) instead of two, so that the overview's belanja by jenis is read from them too, not
# from every DPA line. The column is renamed to say so; the trigger functions of 0007 are
# replaced with the three-segment prefix (their triggers stay as they are, bound to the
# functions by name), and the rows are rebuilt. Frozen text, as in 0007.

from django.db import migrations, models

FORWARD = r'''
CREATE OR REPLACE FUNCTION budget_rollup_rebuild(p_region bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM budget_rollup WHERE p_region IS NULL OR region_id = p_region;
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        WITH line_real AS (
            SELECT line_id,
                   sum(jumlah) FILTER (WHERE triwulan = 1) AS real_tw1,
                   sum(jumlah) FILTER (WHERE triwulan = 2) AS real_tw2,
                   sum(jumlah) FILTER (WHERE triwulan = 3) AS real_tw3,
                   sum(jumlah) FILTER (WHERE triwulan = 4) AS real_tw4,
                   count(*) FILTER (WHERE triwulan = 1) AS nreal_tw1,
                   count(*) FILTER (WHERE triwulan = 2) AS nreal_tw2,
                   count(*) FILTER (WHERE triwulan = 3) AS nreal_tw3,
                   count(*) FILTER (WHERE triwulan = 4) AS nreal_tw4
            FROM budget_realisasi
            WHERE line_id IN (SELECT id FROM budget_dpaline WHERE p_region IS NULL OR region_id = p_region)
            GROUP BY line_id
        )
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), l.sumber_dana, 1, l.pagu, l.pagu_murni, l.kas_tw1, l.kas_tw2, l.kas_tw3, l.kas_tw4, coalesce(lr.real_tw1, 0), coalesce(lr.real_tw2, 0), coalesce(lr.real_tw3, 0), coalesce(lr.real_tw4, 0), coalesce(lr.nreal_tw1, 0), coalesce(lr.nreal_tw2, 0), coalesce(lr.nreal_tw3, 0), coalesce(lr.nreal_tw4, 0)
        FROM budget_dpaline l JOIN budget_account a ON a.id = l.account_id
        LEFT JOIN line_real lr ON lr.line_id = l.id
        WHERE p_region IS NULL OR l.region_id = p_region
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
END;
$$;

CREATE OR REPLACE FUNCTION budget_rollup_dpaline_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT n.region_id, n.tahun, n.opd_id, n.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), n.sumber_dana, 1, n.pagu, n.pagu_murni, n.kas_tw1, n.kas_tw2, n.kas_tw3, n.kas_tw4, 0, 0, 0, 0, 0, 0, 0, 0
        FROM new_rows n JOIN budget_account a ON a.id = n.account_id
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_dpaline_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        WITH moved AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (o.region_id, o.tahun, o.opd_id, o.jenis, o.account_id, o.sumber_dana)
                IS DISTINCT FROM (n.region_id, n.tahun, n.opd_id, n.jenis, n.account_id, n.sumber_dana)
        ),
        line_real AS (
            SELECT line_id,
                   sum(jumlah) FILTER (WHERE triwulan = 1) AS real_tw1,
                   sum(jumlah) FILTER (WHERE triwulan = 2) AS real_tw2,
                   sum(jumlah) FILTER (WHERE triwulan = 3) AS real_tw3,
                   sum(jumlah) FILTER (WHERE triwulan = 4) AS real_tw4,
                   count(*) FILTER (WHERE triwulan = 1) AS nreal_tw1,
                   count(*) FILTER (WHERE triwulan = 2) AS nreal_tw2,
                   count(*) FILTER (WHERE triwulan = 3) AS nreal_tw3,
                   count(*) FILTER (WHERE triwulan = 4) AS nreal_tw4
            FROM budget_realisasi
            WHERE line_id IN (SELECT id FROM moved)
            GROUP BY line_id
        )
        SELECT n.region_id, n.tahun, n.opd_id, n.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), n.sumber_dana, 1, n.pagu, n.pagu_murni, n.kas_tw1, n.kas_tw2, n.kas_tw3, n.kas_tw4, coalesce(lr.real_tw1, 0), coalesce(lr.real_tw2, 0), coalesce(lr.real_tw3, 0), coalesce(lr.real_tw4, 0), coalesce(lr.nreal_tw1, 0), coalesce(lr.nreal_tw2, 0), coalesce(lr.nreal_tw3, 0), coalesce(lr.nreal_tw4, 0)
        FROM new_rows n JOIN budget_account a ON a.id = n.account_id
        LEFT JOIN line_real lr ON lr.line_id = n.id
        UNION ALL
        SELECT o.region_id, o.tahun, o.opd_id, o.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), o.sumber_dana, -1, -o.pagu, -o.pagu_murni, -o.kas_tw1, -o.kas_tw2, -o.kas_tw3, -o.kas_tw4, -coalesce(lr.real_tw1, 0), -coalesce(lr.real_tw2, 0), -coalesce(lr.real_tw3, 0), -coalesce(lr.real_tw4, 0), -coalesce(lr.nreal_tw1, 0), -coalesce(lr.nreal_tw2, 0), -coalesce(lr.nreal_tw3, 0), -coalesce(lr.nreal_tw4, 0)
        FROM old_rows o JOIN budget_account a ON a.id = o.account_id
        LEFT JOIN line_real lr ON lr.line_id = o.id
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    DELETE FROM budget_rollup WHERE n_lines = 0 AND region_id IN (SELECT region_id FROM old_rows);
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_dpaline_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT o.region_id, o.tahun, o.opd_id, o.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), o.sumber_dana, -1, -o.pagu, -o.pagu_murni, -o.kas_tw1, -o.kas_tw2, -o.kas_tw3, -o.kas_tw4, 0, 0, 0, 0, 0, 0, 0, 0
        FROM old_rows o JOIN budget_account a ON a.id = o.account_id
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    DELETE FROM budget_rollup WHERE n_lines = 0 AND region_id IN (SELECT region_id FROM old_rows);
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_realisasi_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN n.triwulan = 1 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 2 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 3 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 4 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 1 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 2 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 3 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 4 THEN 1 ELSE 0 END
        FROM new_rows n JOIN budget_dpaline l ON l.id = n.line_id
        JOIN budget_account a ON a.id = l.account_id
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_realisasi_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN n.triwulan = 1 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 2 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 3 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 4 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 1 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 2 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 3 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 4 THEN 1 ELSE 0 END
        FROM new_rows n JOIN budget_dpaline l ON l.id = n.line_id
        JOIN budget_account a ON a.id = l.account_id
        UNION ALL
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN o.triwulan = 1 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 1 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -1 ELSE 0 END
        FROM old_rows o JOIN budget_dpaline l ON l.id = o.line_id
        JOIN budget_account a ON a.id = l.account_id
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_realisasi_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:3], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN o.triwulan = 1 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 1 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -1 ELSE 0 END
        FROM old_rows o JOIN budget_dpaline l ON l.id = o.line_id
        JOIN budget_account a ON a.id = l.account_id
    ) AS d (region_id, tahun, opd_id, jenis, akun3, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.akun3, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, akun3, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_account_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM budget_rollup_rebuild(region_id) FROM (
        SELECT DISTINCT n.region_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE array_to_string((string_to_array(o.kode, '.'))[1:3], '.')
            IS DISTINCT FROM array_to_string((string_to_array(n.kode, '.'))[1:3], '.')
    ) AS changed;
    RETURN NULL;
END;
$$;


SELECT budget_rollup_rebuild(NULL);
'''

BACKWARD = r'''
CREATE OR REPLACE FUNCTION budget_rollup_rebuild(p_region bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM budget_rollup WHERE p_region IS NULL OR region_id = p_region;
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        WITH line_real AS (
            SELECT line_id,
                   sum(jumlah) FILTER (WHERE triwulan = 1) AS real_tw1,
                   sum(jumlah) FILTER (WHERE triwulan = 2) AS real_tw2,
                   sum(jumlah) FILTER (WHERE triwulan = 3) AS real_tw3,
                   sum(jumlah) FILTER (WHERE triwulan = 4) AS real_tw4,
                   count(*) FILTER (WHERE triwulan = 1) AS nreal_tw1,
                   count(*) FILTER (WHERE triwulan = 2) AS nreal_tw2,
                   count(*) FILTER (WHERE triwulan = 3) AS nreal_tw3,
                   count(*) FILTER (WHERE triwulan = 4) AS nreal_tw4
            FROM budget_realisasi
            WHERE line_id IN (SELECT id FROM budget_dpaline WHERE p_region IS NULL OR region_id = p_region)
            GROUP BY line_id
        )
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), l.sumber_dana, 1, l.pagu, l.pagu_murni, l.kas_tw1, l.kas_tw2, l.kas_tw3, l.kas_tw4, coalesce(lr.real_tw1, 0), coalesce(lr.real_tw2, 0), coalesce(lr.real_tw3, 0), coalesce(lr.real_tw4, 0), coalesce(lr.nreal_tw1, 0), coalesce(lr.nreal_tw2, 0), coalesce(lr.nreal_tw3, 0), coalesce(lr.nreal_tw4, 0)
        FROM budget_dpaline l JOIN budget_account a ON a.id = l.account_id
        LEFT JOIN line_real lr ON lr.line_id = l.id
        WHERE p_region IS NULL OR l.region_id = p_region
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
END;
$$;

CREATE OR REPLACE FUNCTION budget_rollup_dpaline_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT n.region_id, n.tahun, n.opd_id, n.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), n.sumber_dana, 1, n.pagu, n.pagu_murni, n.kas_tw1, n.kas_tw2, n.kas_tw3, n.kas_tw4, 0, 0, 0, 0, 0, 0, 0, 0
        FROM new_rows n JOIN budget_account a ON a.id = n.account_id
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_dpaline_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        WITH moved AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (o.region_id, o.tahun, o.opd_id, o.jenis, o.account_id, o.sumber_dana)
                IS DISTINCT FROM (n.region_id, n.tahun, n.opd_id, n.jenis, n.account_id, n.sumber_dana)
        ),
        line_real AS (
            SELECT line_id,
                   sum(jumlah) FILTER (WHERE triwulan = 1) AS real_tw1,
                   sum(jumlah) FILTER (WHERE triwulan = 2) AS real_tw2,
                   sum(jumlah) FILTER (WHERE triwulan = 3) AS real_tw3,
                   sum(jumlah) FILTER (WHERE triwulan = 4) AS real_tw4,
                   count(*) FILTER (WHERE triwulan = 1) AS nreal_tw1,
                   count(*) FILTER (WHERE triwulan = 2) AS nreal_tw2,
                   count(*) FILTER (WHERE triwulan = 3) AS nreal_tw3,
                   count(*) FILTER (WHERE triwulan = 4) AS nreal_tw4
            FROM budget_realisasi
            WHERE line_id IN (SELECT id FROM moved)
            GROUP BY line_id
        )
        SELECT n.region_id, n.tahun, n.opd_id, n.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), n.sumber_dana, 1, n.pagu, n.pagu_murni, n.kas_tw1, n.kas_tw2, n.kas_tw3, n.kas_tw4, coalesce(lr.real_tw1, 0), coalesce(lr.real_tw2, 0), coalesce(lr.real_tw3, 0), coalesce(lr.real_tw4, 0), coalesce(lr.nreal_tw1, 0), coalesce(lr.nreal_tw2, 0), coalesce(lr.nreal_tw3, 0), coalesce(lr.nreal_tw4, 0)
        FROM new_rows n JOIN budget_account a ON a.id = n.account_id
        LEFT JOIN line_real lr ON lr.line_id = n.id
        UNION ALL
        SELECT o.region_id, o.tahun, o.opd_id, o.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), o.sumber_dana, -1, -o.pagu, -o.pagu_murni, -o.kas_tw1, -o.kas_tw2, -o.kas_tw3, -o.kas_tw4, -coalesce(lr.real_tw1, 0), -coalesce(lr.real_tw2, 0), -coalesce(lr.real_tw3, 0), -coalesce(lr.real_tw4, 0), -coalesce(lr.nreal_tw1, 0), -coalesce(lr.nreal_tw2, 0), -coalesce(lr.nreal_tw3, 0), -coalesce(lr.nreal_tw4, 0)
        FROM old_rows o JOIN budget_account a ON a.id = o.account_id
        LEFT JOIN line_real lr ON lr.line_id = o.id
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    DELETE FROM budget_rollup WHERE n_lines = 0 AND region_id IN (SELECT region_id FROM old_rows);
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_dpaline_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT o.region_id, o.tahun, o.opd_id, o.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), o.sumber_dana, -1, -o.pagu, -o.pagu_murni, -o.kas_tw1, -o.kas_tw2, -o.kas_tw3, -o.kas_tw4, 0, 0, 0, 0, 0, 0, 0, 0
        FROM old_rows o JOIN budget_account a ON a.id = o.account_id
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    DELETE FROM budget_rollup WHERE n_lines = 0 AND region_id IN (SELECT region_id FROM old_rows);
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_realisasi_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN n.triwulan = 1 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 2 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 3 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 4 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 1 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 2 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 3 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 4 THEN 1 ELSE 0 END
        FROM new_rows n JOIN budget_dpaline l ON l.id = n.line_id
        JOIN budget_account a ON a.id = l.account_id
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_realisasi_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN n.triwulan = 1 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 2 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 3 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 4 THEN n.jumlah ELSE 0 END, CASE WHEN n.triwulan = 1 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 2 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 3 THEN 1 ELSE 0 END, CASE WHEN n.triwulan = 4 THEN 1 ELSE 0 END
        FROM new_rows n JOIN budget_dpaline l ON l.id = n.line_id
        JOIN budget_account a ON a.id = l.account_id
        UNION ALL
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN o.triwulan = 1 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 1 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -1 ELSE 0 END
        FROM old_rows o JOIN budget_dpaline l ON l.id = o.line_id
        JOIN budget_account a ON a.id = l.account_id
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_realisasi_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budget_rollup AS r (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    SELECT d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana, sum(d.n_lines), sum(d.pagu), sum(d.pagu_murni), sum(d.kas_tw1), sum(d.kas_tw2), sum(d.kas_tw3), sum(d.kas_tw4), sum(d.real_tw1), sum(d.real_tw2), sum(d.real_tw3), sum(d.real_tw4), sum(d.nreal_tw1), sum(d.nreal_tw2), sum(d.nreal_tw3), sum(d.nreal_tw4)
    FROM (
        SELECT l.region_id, l.tahun, l.opd_id, l.jenis, array_to_string((string_to_array(a.kode, '.'))[1:2], '.'), l.sumber_dana, 0, 0, 0, 0, 0, 0, 0, CASE WHEN o.triwulan = 1 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -o.jumlah ELSE 0 END, CASE WHEN o.triwulan = 1 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 2 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 3 THEN -1 ELSE 0 END, CASE WHEN o.triwulan = 4 THEN -1 ELSE 0 END
        FROM old_rows o JOIN budget_dpaline l ON l.id = o.line_id
        JOIN budget_account a ON a.id = l.account_id
    ) AS d (region_id, tahun, opd_id, jenis, kelompok, sumber_dana, n_lines, pagu, pagu_murni, kas_tw1, kas_tw2, kas_tw3, kas_tw4, real_tw1, real_tw2, real_tw3, real_tw4, nreal_tw1, nreal_tw2, nreal_tw3, nreal_tw4)
    GROUP BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ORDER BY d.region_id, d.tahun, d.opd_id, d.jenis, d.kelompok, d.sumber_dana
    ON CONFLICT (region_id, tahun, opd_id, jenis, kelompok, sumber_dana) DO UPDATE SET
        n_lines = r.n_lines + excluded.n_lines,
        pagu = r.pagu + excluded.pagu,
        pagu_murni = r.pagu_murni + excluded.pagu_murni,
        kas_tw1 = r.kas_tw1 + excluded.kas_tw1,
        kas_tw2 = r.kas_tw2 + excluded.kas_tw2,
        kas_tw3 = r.kas_tw3 + excluded.kas_tw3,
        kas_tw4 = r.kas_tw4 + excluded.kas_tw4,
        real_tw1 = r.real_tw1 + excluded.real_tw1,
        real_tw2 = r.real_tw2 + excluded.real_tw2,
        real_tw3 = r.real_tw3 + excluded.real_tw3,
        real_tw4 = r.real_tw4 + excluded.real_tw4,
        nreal_tw1 = r.nreal_tw1 + excluded.nreal_tw1,
        nreal_tw2 = r.nreal_tw2 + excluded.nreal_tw2,
        nreal_tw3 = r.nreal_tw3 + excluded.nreal_tw3,
        nreal_tw4 = r.nreal_tw4 + excluded.nreal_tw4;
    RETURN NULL;
END;
$$;


CREATE OR REPLACE FUNCTION budget_rollup_account_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM budget_rollup_rebuild(region_id) FROM (
        SELECT DISTINCT n.region_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE array_to_string((string_to_array(o.kode, '.'))[1:2], '.')
            IS DISTINCT FROM array_to_string((string_to_array(n.kode, '.'))[1:2], '.')
    ) AS changed;
    RETURN NULL;
END;
$$;


SELECT budget_rollup_rebuild(NULL);
'''


class Migration(migrations.Migration):

    dependencies = [
        ("budget", "0009_region_signatory"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="rollup", name="rollup_unique_key"),
        migrations.RenameField(model_name="rollup", old_name="kelompok", new_name="akun3"),
        migrations.AddConstraint(
            model_name="rollup",
            constraint=models.UniqueConstraint(
                fields=("region", "tahun", "opd", "jenis", "akun3", "sumber_dana"),
                name="rollup_unique_key",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
