-- AlterTable
ALTER TABLE "models" ADD COLUMN "preprocessing" JSONB;

-- CreateTable
CREATE TABLE "model_aliases" (
    "name" TEXT NOT NULL,
    "alias" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_aliases_pkey" PRIMARY KEY ("name","alias")
);

-- AddForeignKey
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_name_version_fkey" FOREIGN KEY ("name", "version") REFERENCES "models"("name", "version") ON DELETE RESTRICT ON UPDATE CASCADE;
