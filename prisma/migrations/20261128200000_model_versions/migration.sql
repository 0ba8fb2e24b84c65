-- CreateTable
CREATE TABLE "model_names" (
    "name" TEXT NOT NULL,
    "last_version" INTEGER NOT NULL,

    CONSTRAINT "model_names_pkey" PRIMARY KEY ("name")
);

-- Every name's counter starts at the highest version it has now.
INSERT INTO "model_names" ("name", "last_version") SELECT "name", MAX("version") FROM "models" GROUP BY "name";
