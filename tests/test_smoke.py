def test_two_schools_exist(school_a, school_b):
    assert school_a.is_ready and school_b.is_ready
    assert school_a.schema_name != school_b.schema_name
