pub async fn load(_db: &sea_orm::DatabaseConnection, _n: u32, _p: bool) -> anyhow::Result<()> {
    Ok(())
}
